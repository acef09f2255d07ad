"""Build the mypyc-compiled scoring core: ``python -m evals.scoring.native build [--optional] [--force]``.

Compiles rules.py, verify.py, specs.py, grouping.py and chunk.py (one mypyc group, so its shared runtime library is
``evals.scoring._compiled__mypyc`` and not a top-level module) into ``ROOT/.compiled/evals/scoring``,
then writes the manifest that ``_compiled_path`` checks at import. About 1.5x the pure-Python
throughput of the rules (``python -m evals.scoring.bench``).

- Idempotent: nothing is done when the manifest already matches this interpreter, the current
  sources and the installed mypy (a warm checkout pays one manifest check).
- A failed build exits non-zero with the reason and leaves any previous build untouched (which
  the import ignores anyway when it no longer matches the sources).
- ``--optional`` (what ``dev.py`` uses): when the build cannot be done (no C compiler, no Python
  headers, no mypy, a compile error) it prints a loud warning and exits 0: the code runs as
  plain Python, only slower.

Needs mypy (which ships mypyc), setuptools, a C compiler and the Python headers; the compiled
modules need none of them at run time.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

from evals.scoring._compiled_path import (BUILD_DIR, BUILD_ROOT, COMPILED_MODULES, MANIFEST, MANIFEST_FORMAT,
                                          PACKAGE_DIR, ROOT, build_is_current, interpreter_tag, read_manifest,
                                          source_hashes)

GROUP_NAME = "evals.scoring._compiled"  # mypyc adds "__mypyc": the runtime lib stays in the package


class BuildError(Exception):
    pass


def _mypy_version() -> str | None:
    try:
        return importlib.metadata.version("mypy")
    except importlib.metadata.PackageNotFoundError:
        return None


def _up_to_date() -> bool:
    if not build_is_current(PACKAGE_DIR, BUILD_DIR):
        return False
    manifest = read_manifest(BUILD_DIR) or {}
    # A new mypy pin rebuilds (its code generation changed); without mypy the build still serves.
    installed = _mypy_version()
    return installed is None or manifest.get("mypy") == installed


def _check_toolchain() -> None:
    """Raise BuildError naming what is missing to compile a C extension here."""
    if _mypy_version() is None:
        raise BuildError("mypy (which provides mypyc) is not installed: pip install -r requirements.txt")
    try:
        import setuptools  # noqa: F401  (build_ext; distutils is gone from Python 3.12)
    except ImportError:
        raise BuildError("setuptools is not installed: pip install -r requirements.txt") from None
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        raise BuildError(f"no C compiler: {compiler!r} is not on PATH (install gcc)")
    include = sysconfig.get_paths()["include"]
    if not os.path.isfile(os.path.join(include, "Python.h")):
        raise BuildError(f"no Python headers: {include}/Python.h is missing (install python3-dev)")


def _compile(work: str) -> None:
    """Run mypyc + setuptools build_ext (in a child process: it prints a lot and may sys.exit)."""
    import setuptools  # noqa: F401  (imported first so mypyc.build picks setuptools' Extension)
    from mypyc.build import mypycify
    from setuptools import Distribution

    paths = [os.path.join(PACKAGE_DIR, f"{m}.py") for m in COMPILED_MODULES]
    # mypy's own cache goes to the scratch dir, not a .mypy_cache in the checkout.
    options = ["--cache-dir", os.path.join(work, "mypy_cache")]
    extensions = mypycify([*options, *paths], group_name=GROUP_NAME, target_dir=os.path.join(work, "c"),
                          opt_level="3")
    dist = Distribution({"name": "llmcat-scoring-compiled", "ext_modules": extensions})
    command = dist.get_command_obj("build_ext")
    command.build_lib = os.path.join(work, "lib")  # type: ignore[attr-defined]
    command.build_temp = os.path.join(work, "obj")  # type: ignore[attr-defined]
    command.inplace = False  # type: ignore[attr-defined]  # never next to the .py files
    dist.run_command("build_ext")


def _verify_import() -> None:
    """Import the fresh build in a new interpreter, as the application will."""
    check = ("import evals.scoring.rules as r, evals.scoring.verify as v; from evals.scoring import _compiled_path as p;"
             "import sys; sys.exit(0 if r.__file__.startswith(p.BUILD_ROOT) and v.__file__.startswith(p.BUILD_ROOT)"
             " else 'the compiled modules were not the ones imported')")
    env = {k: v for k, v in os.environ.items() if k != "LLMCAT_PURE_PYTHON"}
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"the compiled modules do not import:\n{done.stdout}{done.stderr}")


def build(force: bool = False) -> str:
    """Build unless up to date; return what was done. Raise BuildError on failure."""
    if not force and _up_to_date():
        return f"compiled scoring core up to date ({os.path.relpath(BUILD_DIR, ROOT)})"
    _check_toolchain()
    hashes = source_hashes(PACKAGE_DIR)  # before compiling: a file edited meanwhile leaves a stale build
    work = tempfile.mkdtemp(prefix=".compiled-build-", dir=ROOT)
    try:
        done = subprocess.run([sys.executable, "-m", "evals.scoring.native", "_compile", work], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip().splitlines()
            raise BuildError("mypyc build failed:\n" + "\n".join(output[-40:]))
        tag = interpreter_tag()
        built = os.path.join(work, "lib", "evals", "scoring")
        missing = [m for m in (*COMPILED_MODULES, "_compiled__mypyc")
                   if not os.path.isfile(os.path.join(built, f"{m}{tag['ext_suffix']}"))]
        if missing:
            raise BuildError(f"mypyc build produced no {', '.join(missing)} in {built}: {sorted(os.listdir(built))}")
        manifest = {"format": MANIFEST_FORMAT, **tag, "mypy": _mypy_version(), "modules": list(COMPILED_MODULES),
                    "sources": hashes}
        with open(os.path.join(built, MANIFEST), "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
        # Swap the whole build in with renames: a reader sees the old build or the new one.
        old = os.path.join(work, "old")
        if os.path.exists(BUILD_ROOT):
            os.rename(BUILD_ROOT, old)
        os.rename(os.path.join(work, "lib"), BUILD_ROOT)
        try:
            _verify_import()
        except BuildError:
            shutil.rmtree(BUILD_ROOT, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return f"compiled scoring core built ({', '.join(COMPILED_MODULES)} -> {os.path.relpath(BUILD_DIR, ROOT)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.scoring.native", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="compile the scoring core unless it is up to date")
    build_cmd.add_argument("--optional", action="store_true",
                           help="when the build cannot be done, warn and exit 0 (plain Python is used)")
    build_cmd.add_argument("--force", action="store_true", help="rebuild even when up to date")
    internal = sub.add_parser("_compile")  # the child process of build
    internal.add_argument("work")
    args = parser.parse_args(argv)
    if args.command == "_compile":
        _compile(args.work)
        return 0
    try:
        print(f"[native] {build(force=args.force)}", flush=True)
        return 0
    except BuildError as exc:
        if not args.optional:
            print(f"[native] ERROR: {exc}", file=sys.stderr, flush=True)
            return 1
        bar = "!" * 78
        print(f"\n{bar}\n!! The compiled scoring core could not be built: scoring runs as plain Python "
              f"(the rules about 1.5x slower).\n!! {exc}\n{bar}\n", file=sys.stderr, flush=True)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

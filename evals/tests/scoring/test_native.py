"""The mypyc-compiled scoring core: when it is imported, and that it scores exactly as plain Python.

No database: the path decision is exercised on temporary directories, the equivalence in two
fresh interpreters (the choice is made once, at the import of ``evals.scoring``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import evals.scoring.chunk as chunk
import evals.scoring.grouping as grouping
import evals.scoring.rules as rules
import evals.scoring.specs as specs
import evals.scoring.verify as verify
from evals.scoring import _compiled_path as cp

ROOT = Path(cp.ROOT)
ON_CI = os.environ.get("CI") == "true"


def make_build(tmp_path: Path, tag: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A source dir with the compiled modules' .py files and a build dir whose manifest matches it."""
    src, build = tmp_path / "src", tmp_path / "build"
    src.mkdir()
    build.mkdir()
    for module in cp.COMPILED_MODULES:
        (src / f"{module}.py").write_text(f"NAME = {module!r}\n")
    tag = tag or cp.interpreter_tag()
    for module in cp.COMPILED_MODULES:
        (build / f"{module}{tag['ext_suffix']}").write_bytes(b"\x7fELF")
    manifest = {"format": cp.MANIFEST_FORMAT, **tag, "mypy": "2.4.1", "modules": list(cp.COMPILED_MODULES),
                "sources": cp.source_hashes(str(src))}
    (build / cp.MANIFEST).write_text(json.dumps(manifest))
    return src, build


def decide(src: Path, build: Path, **environ: str) -> str | None:
    return cp.compiled_dir(str(src), str(build), environ)


def test_a_matching_build_goes_first(tmp_path: Path) -> None:
    src, build = make_build(tmp_path)
    assert decide(src, build) == str(build)
    assert decide(src, build, LLMCAT_PURE_PYTHON="0") == str(build)  # "0" does not force plain Python


def test_one_edited_source_means_plain_python(tmp_path: Path) -> None:
    src, build = make_build(tmp_path)
    (src / "verify.py").write_text("NAME = 'verify'  # edited after the build\n")
    assert decide(src, build) is None


def test_a_build_for_another_interpreter_means_plain_python(tmp_path: Path) -> None:
    here = cp.interpreter_tag()
    src, build = make_build(tmp_path, {"cache_tag": "cpython-399", "ext_suffix": here["ext_suffix"]})
    assert decide(src, build) is None
    other = tmp_path / "other"
    other.mkdir()
    src, build = make_build(other, {"cache_tag": here["cache_tag"], "ext_suffix": ".cpython-399-x86_64-linux-gnu.so"})
    assert decide(src, build) is None


def test_the_environment_variable_forces_plain_python(tmp_path: Path) -> None:
    src, build = make_build(tmp_path)
    assert decide(src, build, LLMCAT_PURE_PYTHON="1") is None


@pytest.mark.parametrize("manifest", [None, "{not json", "[]", json.dumps({"format": 99})])
def test_a_missing_or_corrupt_manifest_means_plain_python(tmp_path: Path, manifest: str | None) -> None:
    src, build = make_build(tmp_path)
    if manifest is None:
        (build / cp.MANIFEST).unlink()
    else:
        (build / cp.MANIFEST).write_text(manifest)
    assert decide(src, build) is None


def test_a_missing_extension_or_source_means_plain_python(tmp_path: Path) -> None:
    src, build = make_build(tmp_path)
    (build / f"rules{cp.interpreter_tag()['ext_suffix']}").unlink()
    assert decide(src, build) is None
    other = tmp_path / "other"
    other.mkdir()
    src, build = make_build(other)
    (src / "specs.py").unlink()
    assert decide(src, build) is None


def test_the_build_lives_outside_the_source_tree() -> None:
    # A stale .so next to a .py would shadow the edited source: none may exist there.
    package = Path(cp.PACKAGE_DIR)
    assert not [p.name for p in package.iterdir() if p.suffix in (".so", ".pyd")]
    assert Path(cp.BUILD_DIR).parent.parent == Path(cp.BUILD_ROOT) and Path(cp.BUILD_ROOT).parent == ROOT


def test_this_process_uses_the_compiled_core_when_it_is_built() -> None:
    modules = (rules, verify, specs, grouping, chunk)
    if cp.compiled_dir() is not None:  # built, current, and plain Python not forced
        assert all(str(m.__file__).startswith(cp.BUILD_ROOT + os.sep) for m in modules), [m.__file__ for m in modules]
        assert "evals.scoring._compiled__mypyc" in sys.modules  # the group's runtime, inside the package
        assert "_compiled__mypyc" not in sys.modules
    else:
        assert [m.__file__ for m in modules] == [os.path.join(cp.PACKAGE_DIR, f"{n}.py")
                                                 for n in ("rules", "verify", "specs", "grouping", "chunk")]


DIGEST = """
import json, sys
import evals.scoring.chunk as chunk
import evals.scoring.grouping as grouping
import evals.scoring.rules as rules
from evals.scoring.bench import outcomes_digest
json.dump({"rules": rules.__file__, "lines": outcomes_digest(int(sys.argv[1]))}, sys.stdout)
"""


def digest(pure: bool, n_models: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != cp.FORCE_PURE_ENV}
    if pure:
        env[cp.FORCE_PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", DIGEST, str(n_models)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_compiled_and_plain_python_score_the_synthetic_catalog_identically() -> None:
    if cp.compiled_dir(environ={}) is None:
        message = "the compiled scoring core is not built for this interpreter (python -m evals.scoring.native build)"
        if ON_CI:
            pytest.fail(message + ": CI must run the suite against it")
        pytest.skip(message)
    compiled, plain = digest(False, 3000), digest(True, 3000)
    assert compiled["rules"].startswith(cp.BUILD_ROOT + os.sep)
    assert plain["rules"] == os.path.join(cp.PACKAGE_DIR, "rules.py")
    assert compiled["lines"][0] == "leaderboard average complete completeness components component_runs missing notes"
    assert len(compiled["lines"]) > 4 * 3000  # every board, every model, plus the stated-average checks
    assert compiled["lines"] == plain["lines"]


def test_the_build_without_a_compiler_fails_or_warns() -> None:
    # PATH emptied: no gcc. --force so that an up-to-date build does not answer first; the
    # toolchain is checked before anything is touched.
    env = {**os.environ, "PATH": ""}
    command = [sys.executable, "-m", "evals.scoring.native", "build", "--force"]
    strict = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert strict.returncode == 1 and "no C compiler" in strict.stderr
    optional = subprocess.run([*command, "--optional"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert optional.returncode == 0 and "could not be built" in optional.stderr and "no C compiler" in optional.stderr

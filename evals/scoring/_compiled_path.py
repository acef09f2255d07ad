"""Whether the mypyc-compiled build of the scoring rules may be imported (pure, stdlib only).

``evals/scoring/__init__.py`` calls :func:`compiled_dir` at every import of the package, so this
module is small and cheap: one JSON file read and the sha256 of a few source files. The build
itself (``python -m evals.scoring.native build``) lives in ``native.py`` and writes the manifest
read here.

The compiled modules live OUTSIDE the source tree (``ROOT/.compiled/evals/scoring/``) and are put in
front of the package ``__path__`` only when the manifest says they were built for this interpreter
from sources whose hashes all match the current files. A stale or missing build therefore means
plain Python, never an error and never an edited ``.py`` silently shadowed by an old ``.so``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from typing import Mapping

# The modules compiled by mypyc, in one group: specs is compiled with the rules because the rules
# read its dataclasses' attributes in the hot loop, which compiled classes serve natively.
COMPILED_MODULES = ("rules", "verify", "specs", "grouping", "chunk")
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
FORCE_PURE_ENV = "LLMCAT_PURE_PYTHON"

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PACKAGE_DIR))
BUILD_ROOT = os.path.join(ROOT, ".compiled")  # the setuptools build_lib: holds evals/scoring/*.so
BUILD_DIR = os.path.join(BUILD_ROOT, "evals", "scoring")


def interpreter_tag() -> dict[str, str]:
    """What a compiled extension is tied to: the interpreter (cache tag) and the ABI (suffix)."""
    return {"cache_tag": str(sys.implementation.cache_tag), "ext_suffix": EXTENSION_SUFFIXES[0]}


def source_hashes(source_dir: str, modules: tuple[str, ...] = COMPILED_MODULES) -> dict[str, str]:
    hashes = {}
    for module in modules:
        with open(os.path.join(source_dir, f"{module}.py"), "rb") as handle:
            hashes[f"{module}.py"] = hashlib.sha256(handle.read()).hexdigest()
    return hashes


def read_manifest(build_dir: str) -> dict | None:
    """The manifest as written by the build, or None when it is missing or unreadable."""
    try:
        with open(os.path.join(build_dir, MANIFEST), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def build_is_current(source_dir: str, build_dir: str) -> bool:
    """True when ``build_dir`` holds every compiled module, built for this interpreter from the
    sources now in ``source_dir``."""
    manifest = read_manifest(build_dir)
    if manifest is None or manifest.get("format") != MANIFEST_FORMAT:
        return False
    tag = interpreter_tag()
    if any(manifest.get(key) != value for key, value in tag.items()):
        return False
    sources = manifest.get("sources")
    if not isinstance(sources, dict) or set(sources) != {f"{m}.py" for m in COMPILED_MODULES}:
        return False
    try:
        if source_hashes(source_dir) != sources:
            return False
    except OSError:
        return False
    return all(os.path.isfile(os.path.join(build_dir, f"{m}{tag['ext_suffix']}")) for m in COMPILED_MODULES)


def compiled_dir(source_dir: str = PACKAGE_DIR, build_dir: str = BUILD_DIR,
                 environ: Mapping[str, str] = os.environ) -> str | None:
    """The directory to put in front of the package ``__path__``, or None for plain Python
    (forced by ``LLMCAT_PURE_PYTHON=1``, or no current build)."""
    if environ.get(FORCE_PURE_ENV, "") not in ("", "0"):
        return None
    return build_dir if build_is_current(source_dir, build_dir) else None

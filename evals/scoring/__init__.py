"""Pure scoring rules (no Django).

The .py files are the only truth. When ``python -m evals.scoring.native build`` has compiled
the modules ``_compiled_path.COMPILED_MODULES`` names (the rules, stated-average checks and the
scoring job's per-chunk loops) with mypyc for this interpreter from the current sources, that build (kept in
``ROOT/.compiled``, outside the source tree) is put in front of this package's ``__path__`` so the
compiled modules are imported instead; otherwise, or with ``LLMCAT_PURE_PYTHON=1``, the plain
modules are.
"""

from evals.scoring._compiled_path import compiled_dir as _compiled_dir

_COMPILED = _compiled_dir()
if _COMPILED is not None:
    __path__.insert(0, _COMPILED)

"""Schema-aware recovery of YAML whose indentation was flattened (copy-paste, scrapers).

With every line at column 0, ``model-index: / - name: / results: / - task: / type: ...`` is
still unambiguous *if you know the schema*: each key can only belong to the innermost open
mapping that allows it and has not seen it yet. We walk the lines with a stack of open
mappings and lists, re-emit properly indented YAML and let the safe loader parse that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

SCALAR = "scalar"
SCALARS = "scalars"  # a scalar, or a list of scalars when the value is empty


@dataclass(frozen=True)
class MapSpec:
    keys: dict[str, "Spec"]
    open_keys: bool = False  # accepts unknown scalar keys (e.g. merge parameters)


@dataclass(frozen=True)
class ListSpec:
    item: Union[MapSpec, str]


Spec = Union[MapSpec, ListSpec, str]

_ARGS = MapSpec({"num_few_shot": SCALAR, "fewshot": SCALAR})
_RESULT = MapSpec({
    "task": MapSpec({"type": SCALAR, "name": SCALAR}),
    "dataset": MapSpec({"name": SCALAR, "type": SCALAR, "config": SCALAR, "split": SCALAR, "revision": SCALAR,
                        "args": _ARGS}),
    "metrics": ListSpec(MapSpec({"type": SCALAR, "value": SCALAR, "name": SCALAR, "verified": SCALAR,
                                 "args": SCALAR})),
    "source": MapSpec({"url": SCALAR, "name": SCALAR}),
})
CARD_SCHEMA = MapSpec({
    "license": SCALAR, "license_name": SCALAR, "license_link": SCALAR, "tags": SCALARS, "language": SCALARS,
    "base_model": SCALARS, "base_model_relation": SCALAR, "datasets": SCALARS, "pipeline_tag": SCALAR,
    "library_name": SCALAR, "inference": SCALAR, "metrics": SCALARS, "thumbnail": SCALAR,
    "model_creator": SCALAR, "model_name": SCALAR, "model_type": SCALAR, "quantized_by": SCALAR,
    "prompt_template": SCALAR,
    "model-index": ListSpec(MapSpec({"name": SCALAR, "results": ListSpec(_RESULT)})),
}, open_keys=True)

_PARAMS = MapSpec({"weight": SCALARS, "density": SCALARS, "t": ListSpec(MapSpec({"filter": SCALAR, "value": SCALARS})),
                   "normalize": SCALAR, "int8_mask": SCALAR, "epsilon": SCALAR, "lambda": SCALAR,
                   "rescale": SCALAR}, open_keys=True)
MERGE_SCHEMA = MapSpec({
    "base_model": SCALAR, "merge_method": SCALAR, "dtype": SCALAR, "tokenizer_source": SCALAR,
    "parameters": _PARAMS, "gate_mode": SCALAR, "experts_per_token": SCALAR, "out_dtype": SCALAR,
    "models": ListSpec(MapSpec({"model": SCALAR, "parameters": _PARAMS})),
    "slices": ListSpec(MapSpec({"sources": ListSpec(MapSpec({"model": SCALAR, "layer_range": SCALARS,
                                                             "parameters": _PARAMS}))})),
    "experts": ListSpec(MapSpec({"source_model": SCALAR, "positive_prompts": SCALARS,
                                 "negative_prompts": SCALARS})),
})

_KEY_LINE = re.compile(r"^(-\s+)?([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$")
_ITEM_LINE = re.compile(r"^-\s+(.*)$")


@dataclass
class _Frame:
    spec: Spec
    indent: int
    seen: set[str] = field(default_factory=set)


def _nested_only_keys(schema: MapSpec) -> set[str]:
    """Keys that only ever appear inside a nested mapping of ``schema``."""
    nested: set[str] = set()

    def walk(spec: Spec) -> None:
        if isinstance(spec, ListSpec):
            walk(spec.item)
        elif isinstance(spec, MapSpec):
            for key, child in spec.keys.items():
                nested.add(key)
                walk(child)

    for child in schema.keys.values():
        walk(child)
    return nested - set(schema.keys)


def looks_flattened(text: str, schema: MapSpec = CARD_SCHEMA) -> bool:
    """A key that belongs only inside a nested mapping (``task:``, ``positive_prompts:``) standing at
    column 0 is the signature of lost indentation. Plain top-level lists (``tags:`` / ``- x``) are not."""
    nested = _nested_only_keys(schema)
    for line in text.split("\n"):
        match = _KEY_LINE.match(line)
        if match and not match.group(1) and not line[:1].isspace() and match.group(2) in nested:
            return True
    return False


def reindent(text: str, schema: MapSpec = CARD_SCHEMA) -> str:
    """Rebuild indentation for ``text`` following ``schema``; unknown structure stays at its level."""
    out: list[str] = []
    stack: list[_Frame] = [_Frame(schema, 0)]
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key_match = _KEY_LINE.match(line)
        if key_match and key_match.group(1):  # "- key: value": a new item of a list of mappings
            key, value = key_match.group(2), key_match.group(3) or ""
            frame = _pop_to(stack, lambda f: isinstance(f.spec, ListSpec) and isinstance(f.spec.item, MapSpec)
                            and key in f.spec.item.keys)
            if frame is None:
                out.append(f"{' ' * stack[-1].indent}{line}")
                continue
            out.append(f"{' ' * frame.indent}- {key}:{' ' + value if value else ''}")
            item = _Frame(frame.spec.item, frame.indent + 2, {key})
            stack.append(item)
            _open_child(stack, item, key, value)
            continue
        if key_match:
            key, value = key_match.group(2), key_match.group(3) or ""
            frame = _pop_to(stack, lambda f: isinstance(f.spec, MapSpec) and key not in f.seen
                            and (key in f.spec.keys or f.spec.open_keys))
            if frame is None:
                frame = stack[0]
                del stack[1:]
            frame.seen.add(key)
            out.append(f"{' ' * frame.indent}{key}:{' ' + value if value else ''}")
            _open_child(stack, frame, key, value)
            continue
        item_match = _ITEM_LINE.match(line)
        if item_match:  # "- scalar"
            frame = _pop_to(stack, lambda f: isinstance(f.spec, ListSpec) and f.spec.item == SCALAR)
            indent = frame.indent if frame else stack[-1].indent
            out.append(f"{' ' * indent}- {item_match.group(1)}")
            continue
        out.append(f"{' ' * stack[-1].indent}{line}")
    return "\n".join(out) + "\n"


def _pop_to(stack: list[_Frame], wanted) -> _Frame | None:
    for depth in range(len(stack) - 1, -1, -1):
        if wanted(stack[depth]):
            del stack[depth + 1:]
            return stack[depth]
    return None


def _open_child(stack: list[_Frame], frame: _Frame, key: str, value: str) -> None:
    """After ``key:`` with no inline value, open the container the schema says follows."""
    if value:
        return
    spec = frame.spec.keys.get(key) if isinstance(frame.spec, MapSpec) else None
    if isinstance(spec, MapSpec):
        stack.append(_Frame(spec, frame.indent + 2))
    elif isinstance(spec, ListSpec):
        stack.append(_Frame(spec, frame.indent))
    elif spec in (SCALARS, None):
        stack.append(_Frame(ListSpec(SCALAR), frame.indent))

"""Schema-aware recovery of YAML whose indentation was flattened (copy-paste, scrapers).

With every line at column 0, ``model-index: / - name: / results: / - task: / type: ...`` no
longer parses as intended (strict parsers fail; lenient ones silently build the wrong shape).
It is still unambiguous *if you know the schema*: each key belongs to the innermost open
mapping that allows it and has not seen it yet, and ``- key:`` starts a new item of the
innermost list whose items allow ``key``. We walk the lines with a stack of open mappings
and lists, re-emit properly indented YAML and let the safe loader parse that.

Schemas: the Hub model card metadata (https://huggingface.co/docs/hub/model-cards, the
``model-index`` format of https://github.com/huggingface/hub-docs/blob/main/modelcard.md) and
mergekit / mergekit-moe configs (https://github.com/arcee-ai/mergekit, README sections
"Merge Configuration" and "mergekit-moe").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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

_ARGS = MapSpec({"num_few_shot": SCALAR, "fewshot": SCALAR, "fewshot_split": SCALAR, "n_shot": SCALAR},
                open_keys=True)
_RESULT = MapSpec({
    "task": MapSpec({"type": SCALAR, "name": SCALAR}),
    "dataset": MapSpec({"name": SCALAR, "type": SCALAR, "config": SCALAR, "split": SCALAR, "revision": SCALAR,
                        "args": _ARGS}),
    "metrics": ListSpec(MapSpec({"type": SCALAR, "value": SCALAR, "name": SCALAR, "verified": SCALAR,
                                 "config": SCALAR, "args": SCALAR, "verifyToken": SCALAR})),
    "source": MapSpec({"url": SCALAR, "name": SCALAR}),
})
CARD_SCHEMA = MapSpec({
    "license": SCALAR, "license_name": SCALAR, "license_link": SCALAR, "tags": SCALARS, "language": SCALARS,
    "base_model": SCALARS, "base_model_relation": SCALAR, "datasets": SCALARS, "pipeline_tag": SCALAR,
    "library_name": SCALAR, "inference": SCALAR, "metrics": SCALARS, "thumbnail": SCALAR,
    "model_creator": SCALAR, "model_name": SCALAR, "model_type": SCALAR, "quantized_by": SCALAR,
    "prompt_template": SCALAR, "new_version": SCALAR, "co2_eq_emissions": SCALAR, "widget": SCALARS,
    "extra_gated_prompt": SCALAR, "extra_gated_fields": SCALAR, "language_creators": SCALARS,
    "model-index": ListSpec(MapSpec({"name": SCALAR, "results": ListSpec(_RESULT)})),
}, open_keys=True)

_PARAMS = MapSpec({"weight": SCALARS, "density": SCALARS, "t": ListSpec(MapSpec({"filter": SCALAR, "value": SCALARS})),
                   "normalize": SCALAR, "int8_mask": SCALAR, "epsilon": SCALAR, "lambda": SCALAR,
                   "rescale": SCALAR, "gamma": SCALAR, "select_topk": SCALAR, "k": SCALAR}, open_keys=True)
_SOURCE = MapSpec({"model": SCALAR, "layer_range": SCALARS, "parameters": _PARAMS})
MERGE_SCHEMA = MapSpec({
    "base_model": SCALAR, "merge_method": SCALAR, "dtype": SCALAR, "out_dtype": SCALAR, "tokenizer_source": SCALAR,
    "parameters": _PARAMS, "gate_mode": SCALAR, "experts_per_token": SCALAR, "chat_template": SCALAR,
    "name": SCALAR, "architecture": SCALAR, "shared_experts": SCALARS,
    "models": ListSpec(MapSpec({"model": SCALAR, "parameters": _PARAMS})),
    "slices": ListSpec(MapSpec({"sources": ListSpec(_SOURCE), "parameters": _PARAMS})),
    "experts": ListSpec(MapSpec({"source_model": SCALAR, "positive_prompts": SCALARS,
                                 "negative_prompts": SCALARS, "noise_scale": SCALAR})),
    "tokenizer": MapSpec({"source": SCALAR, "tokens": SCALAR, "pad_to_multiple_of": SCALAR}),
})

_KEY_LINE = re.compile(r"^(-[ \t]+)?([A-Za-z_][\w.-]{0,80})[ \t]*:(?:[ \t]+(.*))?$")
_ITEM_LINE = re.compile(r"^-(?:[ \t]+(.*))?$")
_DOC_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$")
_TASK_MARKER = re.compile(r"^[ \t]*-[ \t]+task[ \t]*:[ \t]*$", re.MULTILINE)
# Plain scalars YAML would misread: "a: b" inside a value, or a leading indicator character.
_RISKY_VALUE = re.compile(r":\s|^[@`%!&*|>]|\s#|:$")


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
        if line[:1].isspace() or line.startswith("-"):
            continue
        match = _KEY_LINE.match(line)
        if match and match.group(2) in nested:
            return True
    return False


def count_task_markers(text: str) -> int:
    """How many ``- task:`` items the text holds (one per model-index result)."""
    return len(_TASK_MARKER.findall(text))


def _value(value: str) -> str:
    """Quote a plain scalar that would not survive re-parsing as written."""
    value = value.strip()
    if not value or value[0] in "\"'[{" or not _RISKY_VALUE.search(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def reindent(text: str, schema: MapSpec = CARD_SCHEMA) -> str:
    """Rebuild indentation for ``text`` following ``schema``; unknown structure stays at its level."""
    out: list[str] = []
    stack: list[_Frame] = [_Frame(schema, 0)]
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _DOC_SEPARATOR.match(line):  # multi-document stream: every document starts at the root
            out.append(line)
            stack = [_Frame(schema, 0)]
            continue
        key_match = _KEY_LINE.match(line)
        if key_match and key_match.group(1):  # "- key: value": a new item of a list of mappings
            key, value = key_match.group(2), _value(key_match.group(3) or "")
            frame = _pop_to(stack, lambda f: isinstance(f.spec, ListSpec) and isinstance(f.spec.item, MapSpec)
                            and key in f.spec.item.keys)
            if frame is None:
                frame = _pop_to(stack, lambda f: isinstance(f.spec, ListSpec) and f.spec.item != SCALAR)
            if frame is None or not isinstance(frame.spec, ListSpec):
                out.append(f"{' ' * stack[-1].indent}- {key}:{' ' + value if value else ''}")
                continue
            out.append(f"{' ' * frame.indent}- {key}:{' ' + value if value else ''}")
            item_spec = frame.spec.item if isinstance(frame.spec.item, MapSpec) else MapSpec({}, open_keys=True)
            item = _Frame(item_spec, frame.indent + 2, {key})
            stack.append(item)
            _open_child(stack, item, key, value)
            continue
        if key_match:
            key, value = key_match.group(2), _value(key_match.group(3) or "")
            frame = _frame_for_key(stack, key)
            frame.seen.add(key)
            out.append(f"{' ' * frame.indent}{key}:{' ' + value if value else ''}")
            _open_child(stack, frame, key, value)
            continue
        item_match = _ITEM_LINE.match(line)
        if item_match:  # "- scalar"
            frame = _pop_to(stack, lambda f: isinstance(f.spec, ListSpec) and f.spec.item == SCALAR)
            indent = frame.indent if frame else stack[-1].indent
            out.append(f"{' ' * indent}- {_value(item_match.group(1) or '')}".rstrip())
            continue
        out.append(f"{' ' * stack[-1].indent}{line}")
    return "\n".join(out) + "\n"


def _frame_for_key(stack: list[_Frame], key: str) -> _Frame:
    """The mapping a bare ``key:`` line belongs to.

    The innermost open mapping whose schema names the key and has not seen it yet; for a key
    the schema does not know, the innermost mapping that has not seen it (an unknown key is
    most likely a sibling of the line before it: moving it to the root would close every
    open ``results`` item and lose the rest of them).
    """
    frame = _pop_to(stack, lambda f: isinstance(f.spec, MapSpec) and key in f.spec.keys and key not in f.seen)
    if frame is None and not any(isinstance(f.spec, MapSpec) and key in f.spec.keys for f in stack):
        frame = _pop_to(stack, lambda f: isinstance(f.spec, MapSpec) and key not in f.seen)
    if frame is None:  # a repeated key: keep it at the root (the loader keeps the last value)
        del stack[1:]
        frame = stack[0]
    return frame


def _pop_to(stack: list[_Frame], wanted: Callable[[_Frame], bool]) -> _Frame | None:
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
    elif spec == SCALARS:
        stack.append(_Frame(ListSpec(SCALAR), frame.indent))
    elif spec is None:
        # Unknown key with nothing after it: a nested mapping or a list follows, we cannot
        # tell which. An open mapping one level deeper takes "key:" lines; "- x" items look
        # for a scalar list, so offer one at the key's own level too.
        stack.append(_Frame(ListSpec(SCALAR), frame.indent))
        stack.append(_Frame(MapSpec({}, open_keys=True), frame.indent + 2))

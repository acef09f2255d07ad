"""YAML loading that cannot be turned into a weapon.

Anchors and aliases are refused before anything is constructed: a 600-byte "billion laughs"
document is harmless to parse but expands to gigabytes when its data is walked or serialised.
Nesting depth and node count are bounded for the same reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

from catalog.cards.facts import ParseError


class YamlSyntaxError(ValueError):
    """Ordinary invalid YAML (callers may try to recover, e.g. by re-indenting)."""


def _check_events(text: str, max_depth: int, max_nodes: int) -> None:
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ParseError("yaml_alias", "YAML anchors and aliases are not accepted (they can expand without bound).")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth:
                    raise ParseError("too_deep", f"YAML is nested deeper than {max_depth} levels.")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > max_nodes:
                    raise ParseError("too_large", f"YAML has more than {max_nodes:,} nodes.")
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and value != value:
        return None
    return value


def load_yaml(text: str, *, max_bytes: int = 512 * 1024, max_depth: int = 50, max_nodes: int = 200_000) -> Any:
    """Safe-load one YAML document; raises ParseError (hostile) or YamlSyntaxError (invalid)."""
    if len(text) > max_bytes:
        raise ParseError("too_large", f"YAML block is larger than {max_bytes:,} bytes.")
    _check_events(text, max_depth, max_nodes)
    try:
        return _jsonable(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0]) from exc
    except RecursionError as exc:
        raise ParseError("too_deep", "YAML is nested too deeply.") from exc


def load_yaml_documents(text: str, **limits: Any) -> list[Any]:
    """All documents of a multi-document stream (``---`` separated), same limits."""
    _check_events(text, limits.get("max_depth", 50), limits.get("max_nodes", 200_000))
    try:
        return [_jsonable(doc) for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0]) from exc

"""YAML loading that cannot be turned into a weapon.

* Anchors and aliases are refused from the *token stream*, before any node is composed or
  constructed: a 600-byte "billion laughs" document is cheap to tokenise but expands to
  gigabytes once its data is walked or serialised (CVE-2019-20477-style expansion; see
  https://en.wikipedia.org/wiki/Billion_laughs_attack). Hub metadata never needs them.
* Nesting depth and the number of nodes are bounded from the *event stream* (the composer and
  constructor recurse per nesting level).
* Only ``SafeLoader`` semantics: no Python object tags.
* The result is JSON-serialisable: dates become ISO strings, NaN/inf become ``None``.

``ParseError`` means hostile or oversized input (the whole document is refused);
``YamlSyntaxError`` means ordinary invalid YAML that a caller may try to recover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from catalog.cards.facts import ParseError

# libyaml is ~20x faster at tokenising; the pure-Python classes behave the same.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_MAX_BYTES = 512 * 1024
DEFAULT_MAX_DEPTH = 50
DEFAULT_MAX_NODES = 200_000


class YamlSyntaxError(ValueError):
    """Ordinary invalid YAML (callers may try to recover, e.g. by re-indenting)."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _check_size(text: str, max_bytes: int) -> None:
    size = len(text) if len(text) > max_bytes else len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ParseError("too_large", f"YAML block is {size:,} bytes; the limit is {max_bytes:,} bytes.")


@dataclass(frozen=True)
class Scan:
    """The outcome of tokenising a text that held no anchor or alias: ``error`` is the first line of
    the scanner's error, or None when the whole stream tokenised. Pass it to ``load_yaml`` for the
    same text so the stream is not tokenised a second time (the scan is deterministic)."""

    text: str
    error: str | None


def reject_aliases(text: str) -> Scan:
    """ParseError ``yaml_alias`` if the token stream holds an anchor or alias before any error.

    Used on raw text that may not parse (flattened front matter): recovery re-emits values
    and must never be the step that silently turns ``&a``/``*a`` into something else.
    """
    if "&" not in text and "*" not in text:
        # No anchor or alias token can be written without these characters (most front matter):
        # the token pass is skipped, and ``check_stream``'s event pass reports any syntax error.
        return Scan(text, None)
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                raise ParseError("yaml_alias",
                                 "YAML anchors and aliases are not accepted (they can expand without bound).")
    except yaml.YAMLError as exc:
        return Scan(text, _first_line(exc))
    return Scan(text, None)


def _event_step(event: yaml.Event) -> tuple[int, int]:
    """(change of nesting depth, nodes) an event of this class adds."""
    if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
        return 1, 1
    if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
        return -1, 0
    return 0, int(isinstance(event, yaml.NodeEvent))


_EVENT_STEPS: dict[type, tuple[int, int]] = {}


def check_stream(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH, max_nodes: int = DEFAULT_MAX_NODES,
                 scan: Scan | None = None) -> None:
    """Refuse aliases/anchors (tokens), deep nesting and too many nodes (events).

    Runs before anything is constructed. Syntax errors found on the way raise
    ``YamlSyntaxError`` *unless* an alias or anchor was already seen, which wins.
    ``scan``: this text's ``reject_aliases`` outcome, which stands in for the token pass.
    """
    if scan is None or scan.text is not text:
        scan = reject_aliases(text)
    if scan.error is not None:
        raise YamlSyntaxError(scan.error)
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            # One dict lookup per event instead of three isinstance tests (this loop is a tenth of
            # the parse time of a typical card).
            kind = type(event)
            step = _EVENT_STEPS.get(kind)
            if step is None:
                step = _EVENT_STEPS[kind] = _event_step(event)
            if step[0]:
                depth += step[0]
                if depth > max_depth:
                    raise ParseError("too_deep", f"YAML is nested deeper than {max_depth} levels.")
            if step[1]:
                nodes += 1
                if nodes > max_nodes:
                    raise ParseError("too_large", f"YAML has more than {max_nodes:,} nodes.")
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(_first_line(exc)) from exc


def jsonable(value: Any, _depth: int = 0) -> Any:
    """Constructed YAML -> JSON-safe values (depth is already bounded by ``check_stream``)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most values: returned as they are
        return value
    if kind is dict:
        return {k if type(k) is str else _key(k): jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, dict):
        return {_key(k): jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, _depth + 1) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return str(key).lower() if key is not None else "null"
    if isinstance(key, (datetime, date)):
        return key.isoformat()
    return str(key)


def _construct(text: str, *, many: bool) -> Any:
    try:
        if many:
            return [jsonable(doc) for doc in yaml.load_all(text, Loader=_Loader) if doc is not None]
        return jsonable(yaml.load(text, Loader=_Loader))  # noqa: S506 - SafeLoader / CSafeLoader only
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(_first_line(exc)) from exc
    except RecursionError as exc:
        raise ParseError("too_deep", "YAML is nested too deeply.") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        # The safe constructor can still fail on well-formed input: "2024-13-45" is a
        # timestamp by the YAML 1.1 regex but not a date; an unhashable mapping key.
        raise YamlSyntaxError(f"YAML value cannot be read: {_first_line(exc)}") from exc


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_IMPLICIT = _RESOLVER.yaml_implicit_resolvers
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Unusual(Exception):
    """Input the one-pass builder leaves to the standard loader (explicit tags, merge keys, ...)."""


_SCALAR_EVENT = yaml.ScalarEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_END = yaml.SequenceEndEvent
_DOCUMENT_START = yaml.DocumentStartEvent
_ALIAS_EVENT = yaml.AliasEvent

# Plain scalars that a resolver pattern might claim (numbers, booleans, dates, null ...), mapped to
# the JSON-safe value they load as. Resolution and construction depend on the text alone and give
# immutable values, and cards repeat the same words and numbers (metric names, shot counts): a
# lookup instead of trying the resolver's patterns and calling a constructor. Bounded: short texts
# only, cleared when full.
_RESOLVED: dict[str, Any] = {}
_RESOLVED_MAX = 4096
_RESOLVED_MAX_CHARS = 100
_NO_ENTRY = object()
_AS_WRITTEN = object()  # resolved as a string: the value is the text itself


def _scalar(event: yaml.ScalarEvent) -> Any:
    """The JSON-safe value ``SafeLoader`` + ``jsonable`` give a plain or quoted scalar without an
    explicit tag."""
    if event.tag is not None or event.anchor is not None:
        raise _Unusual
    value = event.value
    # What ``Resolver.resolve`` decides without trying its patterns: a quoted scalar, or a plain one
    # whose first character no implicit pattern starts with (most names and prose), is a string.
    if not event.implicit[0] or (value and value[0] not in _IMPLICIT and None not in _IMPLICIT):
        return value
    loaded = _RESOLVED.get(value, _NO_ENTRY)
    if loaded is _AS_WRITTEN:
        return value  # the event's own string: ``_build`` tells a string key by that identity
    if loaded is not _NO_ENTRY:
        return loaded
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, event.implicit)
    if tag == _STR_TAG:
        loaded = _AS_WRITTEN
    else:
        construct = _CONSTRUCTOR.yaml_constructors.get(tag)
        if construct is None or tag == _MERGE_TAG:
            raise _Unusual
        loaded = jsonable(construct(_CONSTRUCTOR, yaml.ScalarNode(tag, value)))
    if len(value) <= _RESOLVED_MAX_CHARS:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[value] = loaded
    return value if loaded is _AS_WRITTEN else loaded


def _build(text: str, *, many: bool, max_depth: int, max_nodes: int) -> list[Any]:
    """Check the limits and build the documents, JSON-safe, in one pass over the event stream.

    The standard path parses the text twice (events for the limits, then nodes for the
    constructor), builds a node object per value and then a JSON-safe copy of the result; for
    ordinary YAML this pass gives the same values. Whatever it does not handle raises ``_Unusual``
    (and any error while constructing a value is left to the standard path too, so errors read
    exactly as before). That includes a mapping key that does not load as a string: ``jsonable``
    turns keys into strings after the mapping is built, where ``1`` and ``true`` (or two spellings
    of one timestamp) are one key, so such a mapping is built by the standard path.

    The events are pulled from the parser directly (``yaml.parse`` is a Python generator around the
    same two calls per event), and the event classes compared by identity.
    """
    documents: list[Any] = []
    stack: list[Any] = []  # open collections; a mapping's pending key is pushed after it
    depth = nodes = 0
    loader = _Loader(text)
    next_event = loader.get_event
    try:
        while (event := next_event()) is not None:
            kind = type(event)
            if kind is _SCALAR_EVENT:
                nodes += 1
                if nodes > max_nodes:
                    raise ParseError("too_large", f"YAML has more than {max_nodes:,} nodes.")
                value: Any = _scalar(event)
            elif kind is _MAPPING_START or kind is _SEQUENCE_START:
                nodes += 1
                if nodes > max_nodes:
                    raise ParseError("too_large", f"YAML has more than {max_nodes:,} nodes.")
                depth += 1
                if depth > max_depth:
                    raise ParseError("too_deep", f"YAML is nested deeper than {max_depth} levels.")
                if event.tag is not None or event.anchor is not None:
                    raise _Unusual
                stack.append({} if kind is _MAPPING_START else [])
                continue
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                depth -= 1
                value = stack.pop()
            elif kind is _DOCUMENT_START:
                if documents and not many:
                    raise _Unusual  # the standard loader's "expected a single document" error
                continue
            elif kind is _ALIAS_EVENT:
                raise _Unusual
            else:
                continue
            if not stack:
                documents.append(value)
                continue
            top = stack[-1]
            kind = type(top)
            if kind is list:
                top.append(value)
            elif kind is dict:
                # A key must be a scalar loaded as the string it is written as (``_scalar`` then
                # returns the event's own text): anything else is a key jsonable would rename
                # (see above), or an unhashable one.
                if type(value) is not str or value is not event.value:
                    raise _Unusual
                stack.append(_Key(value))
            else:
                stack.pop()
                stack[-1][top.value] = value
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(_first_line(exc)) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _Unusual from exc
    finally:
        loader.dispose()
    if not documents and not many:
        documents.append(None)
    return documents


class _Key:
    """A mapping key waiting for its value on the builder's stack."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


def _load(text: str, *, many: bool, max_depth: int, max_nodes: int, scan: Scan | None) -> Any:
    if scan is None or scan.text is not text:
        scan = reject_aliases(text)
    if scan.error is not None:
        raise YamlSyntaxError(scan.error)
    try:
        documents = _build(text, many=many, max_depth=max_depth, max_nodes=max_nodes)
    except _Unusual:
        check_stream(text, max_depth=max_depth, max_nodes=max_nodes, scan=scan)
        return _construct(text, many=many)
    # Built JSON-safe already.
    if many:
        return [doc for doc in documents if doc is not None]
    return documents[0]


def load_yaml(text: str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
              max_nodes: int = DEFAULT_MAX_NODES, scan: Scan | None = None) -> Any:
    """Safe-load one YAML document; raises ParseError (hostile) or YamlSyntaxError (invalid)."""
    _check_size(text, max_bytes)
    return _load(text, many=False, max_depth=max_depth, max_nodes=max_nodes, scan=scan)


def load_yaml_documents(text: str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
                        max_nodes: int = DEFAULT_MAX_NODES, scan: Scan | None = None) -> list[Any]:
    """All non-empty documents of a ``---``-separated stream, with the same limits."""
    _check_size(text, max_bytes)
    return _load(text, many=True, max_depth=max_depth, max_nodes=max_nodes, scan=scan)

"""The one-pass YAML builder gives exactly what the standard SafeLoader path gives (values and errors)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml

from catalog.cards import safe_yaml
from catalog.cards.facts import ParseError
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml, load_yaml_documents
from catalog.cardgen import generated_card


def _standard(text: str, *, many: bool) -> Any:
    """The two-pass path (event checks, then SafeLoader construction) the builder stands in for."""
    safe_yaml.check_stream(text)
    return safe_yaml._construct(text, many=many)


def _outcome(load: Any, text: str, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", load(text, **kwargs)
    except (ParseError, YamlSyntaxError) as exc:
        return type(exc).__name__, str(exc)


CASES = [
    "",
    "a: 1",
    "license: mit\ntags: [a, b]\nmodel-index:\n  - name: x\n    results: [{metrics: [{value: 71.5}]}]",
    "- 1\n- 2.5\n- .nan\n- .inf\n- ~\n- yes\n- 2024-01-02\n- 2024-01-02 10:00:00\n- 0x1F\n- 1_000\n- '1'",
    "a: 1\na: 2",  # the later value wins, the first position stays
    "1: a\n'1': b\ntrue: c\nnull: d\n3.5: e",
    "? [1]\n: 2",  # unhashable key
    "<<: {a: 1}\nb: 2",  # merge key
    "'<<': 1",  # a quoted << is an ordinary key
    "a: !!str 1",
    "a: ! 1",
    "a: !!binary aGVsbG8=",
    "!!set {a, b}",
    "date: 2024-13-45",  # a timestamp by the regex, not a date
    "a: =",
    "---\na: 1\n---\nb: 2",
    "--- \n...\n",
    "a: b: c",
    "a: 'unterminated",
    "[" * 60 + "]" * 60,
    "date: 2024-13-45\nx: [" + "[" * 60 + "]" * 60 + "]",  # the depth limit wins over a bad value before it
    # Keys that become one string key only after construction: equal timestamps spelt two ways,
    # a timestamp and its quoted text, a number and its quoted text.
    "2024-01-02 10:00:00+01:00: a\n2024-01-02 09:00:00Z: b",
    "2024-01-02: a\n'2024-01-02': b",
    "'7': a\n7: b\nx: {7: c, '7': d}",
    "a: [2024-01-02, 1.5, .inf, -.nan, 0x1F, yes, ~]\nb: {c: 2024-01-02 10:00:00}",
]


@pytest.mark.parametrize("text", CASES)
def test_single_document_matches_standard_loader(text: str) -> None:
    assert _outcome(load_yaml, text) == _outcome(lambda t: _standard(t, many=False), text)


@pytest.mark.parametrize("text", CASES)
def test_document_stream_matches_standard_loader(text: str) -> None:
    assert _outcome(load_yaml_documents, text) == _outcome(lambda t: _standard(t, many=True), text)


def test_values_of_plain_yaml() -> None:
    text = "a: 1\nb: [x, 2.5, null, true]\nc: {d: 2024-01-02}\na: 3\n1: one"
    assert load_yaml(text) == {"a": 3, "b": ["x", 2.5, None, True], "c": {"d": "2024-01-02"}, "1": "one"}
    assert list(load_yaml(text)) == ["a", "b", "c", "1"]
    assert _standard(text, many=False) == load_yaml(text)
    assert datetime.date(2024, 1, 2).isoformat() == load_yaml("d: 2024-01-02")["d"]


def test_generated_cards_take_the_one_pass_path() -> None:
    for i in range(20):
        front = generated_card(i, salt="s", org="o").split("---\n")[1]
        assert safe_yaml._build(front, many=False, max_depth=50, max_nodes=1000)[0] == yaml.safe_load(front)
        assert load_yaml(front) == _standard(front, many=False)


def test_repeated_scalars_load_the_same_values() -> None:
    """Resolved plain scalars are remembered across loads; a value loads the same the second time,
    and a remembered number or timestamp never turns a key into a string key."""
    text = "a: 1\nb: 2024-01-02\nc: yes\nd: 1.5\ne: '1'"
    first, second = load_yaml(text), load_yaml(text)
    assert first == second == {"a": 1, "b": "2024-01-02", "c": True, "d": 1.5, "e": "1"}
    assert load_yaml("2024-01-02: x\n'2024-01-02': y") == _standard("2024-01-02: x\n'2024-01-02': y", many=False)


def test_unusual_input_goes_to_the_standard_loader() -> None:
    for text in ("<<: {a: 1}", "a: !!str 1", "? [1]\n: 2", "---\na: 1\n---\nb: 2", "d: 2024-13-45", "1: a",
                 "2024-01-02: a"):
        with pytest.raises(safe_yaml._Unusual):
            safe_yaml._build(text, many=False, max_depth=50, max_nodes=1000)
    assert load_yaml("<<: {a: 1}\nb: 2") == {"a": 1, "b": 2}

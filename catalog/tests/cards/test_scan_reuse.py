"""Reusing reject_aliases' token pass in load_yaml gives the same results as scanning again."""

from __future__ import annotations

import pytest

from catalog.cards.facts import ParseError
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml, load_yaml_documents, reject_aliases


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, y]\n",
    "key: 'unterminated\n",          # a scanner error
    "a: b: c\n",                     # a scanner error (mapping values not allowed here)
    "- a\nb: 1\n",                   # a parser error after a clean scan
    "license: mit\n\tbad: tab\n",
])
def test_same_outcome_with_and_without_the_scan(text: str) -> None:
    def outcome(**kwargs: object) -> object:
        try:
            return ("ok", load_yaml(text, **kwargs))
        except YamlSyntaxError as exc:
            return ("syntax", str(exc))

    scan = reject_aliases(text)
    assert outcome(scan=scan) == outcome()


def test_scan_of_another_text_is_ignored() -> None:
    scan = reject_aliases("a: 1\n")
    with pytest.raises(YamlSyntaxError):
        load_yaml("a: 'open\n", scan=scan)


def test_aliases_are_still_refused_by_the_scan_itself() -> None:
    with pytest.raises(ParseError) as info:
        reject_aliases("a: &x 1\nb: *x\n")
    assert info.value.code == "yaml_alias"


def test_documents_with_scan() -> None:
    text = "a: 1\n---\nb: 2\n"
    assert load_yaml_documents(text, scan=reject_aliases(text)) == [{"a": 1}, {"b": 2}]

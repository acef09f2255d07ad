"""Hostile and broken input: a clear ParseError, fast, never another exception."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.cards import ParseError, parse_document
from catalog.cards.safe_yaml import load_yaml

BOMB = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for n, p in zip("bcdefghi", "abcdefgh"))


def test_alias_bomb_rejected_in_milliseconds() -> None:
    assert len(BOMB) < 700
    started = time.perf_counter()
    with pytest.raises(ParseError) as info:
        parse_document(f"---\n{BOMB}---\n# card\n")
    assert info.value.code == "yaml_alias"
    assert time.perf_counter() - started < 1.0


def test_anchor_alone_is_rejected() -> None:
    with pytest.raises(ParseError) as info:
        load_yaml("a: &x 1\nb: 2\n")
    assert info.value.code == "yaml_alias"


def test_fifty_megabyte_card_rejected_by_size() -> None:
    with pytest.raises(ParseError) as info:
        parse_document(b"x" * (50 * 1024 * 1024))
    assert info.value.code == "too_large"
    assert "limit" in info.value.reason


def test_deeply_nested_yaml() -> None:
    nested = "---\nx: " + "[" * 200 + "]" * 200 + "\n---\nbody\n"
    with pytest.raises(ParseError) as info:
        parse_document(nested)
    assert info.value.code == "too_deep"


def test_deeply_nested_json() -> None:
    with pytest.raises(ParseError) as info:
        parse_document("{" + '"a":{' * 500 + "}" * 501)
    assert info.value.code == "too_deep"


@pytest.mark.parametrize("data, code", [
    (b"\x00\x01\x02\x03binary", "binary"),
    (b"\xff\xfe\xfa not utf-8", "encoding"),
    (b"   \n\n  ", "empty"),
    (b"{not json", "invalid_json"),
    (b'{"hello": "world"}', "invalid_json"),
    ("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10" * 10, "binary"),
])
def test_bad_documents(data: bytes | str, code: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_document(data)
    assert info.value.code == code
    assert info.value.reason


def test_bom_and_crlf_are_normalised() -> None:
    text = "\ufeff---\r\nlicense: mit\r\ntags:\r\n- test\r\n---\r\n# Model\r\n\r\nDetailed results can be found " \
           "[here](https://huggingface.co/datasets/open-llm-leaderboard/details_acme__bom-model)\r\n"
    doc = parse_document(text.encode("utf-8"))
    assert doc.model.license == "mit" and doc.model.tags == ["test"]
    assert doc.model.repo_id == "acme/bom-model"


def test_invalid_front_matter_is_a_warning_not_a_crash() -> None:
    doc = parse_document("---\nlicense: [unclosed\n---\n# Card\n")
    assert any("not valid YAML" in w or "could not be recovered" in w for w in doc.warnings)


@settings(max_examples=200, deadline=2000)
@given(st.binary(max_size=4096))
def test_any_bytes_give_a_document_or_a_parse_error(data: bytes) -> None:
    try:
        parse_document(data)
    except ParseError as exc:
        assert exc.code and exc.reason


@settings(max_examples=150, deadline=2000)
@given(st.text(alphabet=st.sampled_from(list("-:|#*&![]{}\n abc01xX.`'\"\t")), max_size=2000))
def test_structured_junk_never_escapes(text: str) -> None:
    try:
        parse_document("---\n" + text if text.startswith("a") else text)
    except ParseError:
        pass

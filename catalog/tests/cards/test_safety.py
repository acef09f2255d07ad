"""Hostile and broken input: a clear ParseError, fast, never another exception."""

from __future__ import annotations

import time

import pytest

from catalog.cards import ParseError, parse_document
from catalog.cards.guards import MAX_DOCUMENT_BYTES, decode_document
from catalog.cards.safe_yaml import load_yaml

# "Billion laughs": 9 levels of 9 aliases each, ~600 bytes, 9^9 strings once expanded.
BOMB = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for n, p in zip("bcdefghi", "abcdefgh"))


def code_of(data: bytes | str, **kwargs: object) -> str:
    with pytest.raises(ParseError) as info:
        parse_document(data, **kwargs)  # type: ignore[arg-type]
    assert info.value.reason and str(info.value) == info.value.reason
    return info.value.code


# --- YAML --------------------------------------------------------------------------------------


def test_alias_bomb_rejected_in_milliseconds() -> None:
    assert len(BOMB) < 700
    started = time.perf_counter()
    assert code_of(f"---\n{BOMB}---\n# card\n") == "yaml_alias"


def test_alias_bomb_rejected_even_when_the_yaml_is_also_broken() -> None:
    started = time.perf_counter()
    assert code_of(f"---\n{BOMB}broken: [\n---\n# card\n") == "yaml_alias"


def test_flattened_alias_bomb_is_still_rejected() -> None:
    flat = "model-index:\n- name: x\nresults:\n- task:\ntype: &t a\nname: *t\n"
    assert code_of(f"---\n{flat}---\n") == "yaml_alias"


def test_anchor_alone_is_rejected() -> None:
    with pytest.raises(ParseError) as info:
        load_yaml("a: &x 1\nb: 2\n")
    assert info.value.code == "yaml_alias"


def test_deeply_nested_yaml() -> None:
    assert code_of("---\nx: " + "[" * 200 + "]" * 200 + "\n---\nbody\n") == "too_deep"
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(80)) + "  " * 80 + "v: 1\n"
    assert code_of(f"---\n{block}---\n") == "too_deep"


def test_too_many_yaml_nodes() -> None:
    with pytest.raises(ParseError) as info:
        load_yaml("[" + ",".join(["1"] * 300) + "]", max_nodes=100)
    assert info.value.code == "too_large"


def test_oversized_front_matter() -> None:
    front = "tags:\n" + "- a-tag-value\n" * 50_000  # ~700 KB of YAML inside a 2 MB document
    assert code_of(f"---\n{front}---\n# card\n") == "too_large"


def test_python_tags_are_not_constructed() -> None:
    doc = parse_document("---\nlicense: !!python/object/apply:os.system ['echo hi']\n---\n# card\n")
    assert doc.front_matter.get("license") != 0 and any("YAML" in w for w in doc.warnings)


def test_anchor_in_a_body_code_block_only_costs_that_block() -> None:
    body = "```yaml\nmodels:\n  - model: a/b\n    parameters: &p {weight: 1}\n  - model: c/d\n    parameters: *p\n" \
           "merge_method: linear\n```\n"
    doc = parse_document(f"---\nlicense: mit\n---\n{body}")
    assert doc.merge_recipes == [] and doc.model.license == "mit"
    assert any("anchors and aliases" in w for w in doc.warnings)


# --- size, encoding, binary -------------------------------------------------------------------


def test_fifty_megabyte_card_rejected_by_size() -> None:
    big = b"---\nlicense: mit\n---\n" + b"x" * (50 * 1024 * 1024)
    started = time.perf_counter()
    assert code_of(big) == "too_large"
    with pytest.raises(ParseError) as info:
        parse_document(big)
    assert "limit" in info.value.reason and f"{MAX_DOCUMENT_BYTES:,}" in info.value.reason


def test_size_limit_counts_utf8_bytes_and_is_configurable() -> None:
    assert code_of("é" * 600, max_bytes=1000) == "too_large"  # 600 characters, 1200 bytes
    assert parse_document("# ok\n" + "é" * 400, max_bytes=1000).kind == "model_card"
    assert code_of("x" * (MAX_DOCUMENT_BYTES + 1)) == "too_large"


def test_deeply_nested_json() -> None:
    assert code_of("{" + '"a":{' * 500 + "}" * 501) == "too_deep"
    assert code_of('{"a":' + "[" * 100_000 + "]" * 100_000 + "}") == "too_deep"  # beyond Python's recursion


@pytest.mark.parametrize("data, code", [
    (b"\x00\x01\x02\x03binary", "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"PK\x03\x04" + bytes(range(1, 32)) * 20, "binary"),
    (b"\xff\xfe\xfa not utf-8", "encoding"),
    (b"\xffnot utf-8", "encoding"),
    ("# title\n\ud800 lone surrogate", "encoding"),
    (b"\xff\xfeU\x00T\x00F\x00", "encoding"),  # UTF-16 with a BOM
    (b"   \n\n  ", "empty"),
    (b"\xef\xbb\xbf\r\n", "empty"),
    (b"{not json", "invalid_json"),
    (b'{"hello": "world"}', "invalid_json"),
    ("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10" * 10, "binary"),
])
def test_bad_documents(data: bytes | str, code: str) -> None:
    assert code_of(data) == code


def test_json_array_only_when_named_json() -> None:
    assert code_of(b'[{"a": 1}]', filename="results.json") == "invalid_json"
    # A README starting with a badge link is Markdown, not JSON.
    doc = parse_document(b"[![badge](https://img.shields.io/x)](https://example.org)\n\n# Model\n\nText here.\n")
    assert doc.kind == "model_card" and doc.model.name == "Model"


def test_a_few_stray_control_characters_are_tolerated() -> None:
    text = "# Model\n\n" + "Some normal prose. " * 100 + "\x1b[0m\x07\x08"
    assert parse_document(text).kind == "model_card"


def test_bom_and_crlf_are_normalised() -> None:
    text = "\ufeff---\r\nlicense: mit\r\ntags:\r\n- test\r\n---\r\n# Model\r\n\r\nDetailed results can be found " \
           "[here](https://huggingface.co/datasets/open-llm-leaderboard/details_acme__bom-model)\r\n"
    doc = parse_document(text.encode("utf-8"))
    assert doc.model.license == "mit" and doc.model.tags == ["test"]
    assert doc.model.repo_id == "acme/bom-model" and "\r" not in doc.body_markdown


def test_old_mac_line_ends() -> None:
    doc = parse_document(b"---\rlicense: mit\r---\r# Model\r")
    assert doc.model.license == "mit" and doc.body_markdown == "# Model\n"


def test_decode_document_rejects_other_types() -> None:
    with pytest.raises(ParseError) as info:
        decode_document(12345)  # type: ignore[arg-type]
    assert info.value.code == "encoding"
    assert decode_document(bytearray(b"# ok\r\n")) == "# ok\n"


# --- bounded work on 2 MB hostile documents ----------------------------------------------------


N = 2 * 1024 * 1024 - 64


@pytest.mark.parametrize("name, text", [
    ("digits", "9" * N),
    ("brackets", "[" * N),
    ("long blank line", " " * (N - 1) + "x"),
    ("unclosed fences", "```x\n" * (N // 5)),
    ("table rows", "|a|b|\n|---|---|\n" + "|1|2|\n" * (N // 6 - 4)),
    ("links", "https://huggingface.co/a/b-GGUF " * (N // 32)),
    ("flattened front matter", "---\nmodel-index:\n- name: x\nresults:\n"
     + "- task:\ntype: t\ndataset:\nname: ARC\nmetrics:\n- type: acc\nvalue: 1\n" * 9000 + "---\n"),
    ("noise lines", "58c54f7\n" * 200_000 + "---\nlicense: mit\n---\n"),
    ("markdown links", "[a](" * (N // 4)),
])
def test_hostile_documents_are_bounded(name: str, text: str) -> None:
    started = time.perf_counter()
    try:
        parse_document(text)
    except ParseError:
        pass

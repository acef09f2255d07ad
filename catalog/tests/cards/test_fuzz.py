"""Property tests: any input gives a ParsedDocument or a ParseError, never another exception.

Stage isolation in ``parse_document`` turns unexpected exceptions inside one extractor into
an "Internal error" warning; these tests also fail on such warnings, so they still catch bugs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.cards import ParseError, parse_document
from catalog.cards.facts import ParsedDocument
from catalog.cards.merge import extract_recipes
from catalog.cards.reindent import CARD_SCHEMA, MERGE_SCHEMA, reindent
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml

SEEDS = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "seeds").glob("0*.txt"))
# CARDS_FUZZ_EXAMPLES=5000 for a deeper run; the default keeps the suite fast.
FUZZ = settings(max_examples=int(os.environ.get("CARDS_FUZZ_EXAMPLES", "200")), deadline=1000,
                suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes | str, **kwargs: str) -> ParsedDocument | None:
    try:
        doc = parse_document(data, **kwargs)
    except ParseError as exc:
        assert exc.code and exc.reason
        return None
    assert isinstance(doc, ParsedDocument)
    assert not [w for w in doc.warnings if w.startswith("Internal error")], doc.warnings
    json.dumps(doc.front_matter)  # JSON-serialisable, always
    return doc


@FUZZ
@given(st.binary(max_size=4096))
def test_any_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("-:|#*&![]{}()<>\n abc01xX.`'\"\t/_%~@=")), max_size=2000))
def test_markdown_and_yaml_punctuation(text: str) -> None:
    check(text)
    check("---\n" + text)
    check("---\nlicense: mit\n---\n" + text)


# Plausible metadata values: nested dicts/lists of scalars, with Hub keys mixed in.
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30))
_KEYS = st.sampled_from(["license", "tags", "base_model", "model-index", "name", "results", "task", "dataset",
                         "metrics", "type", "value", "args", "num_few_shot", "source", "url", "language", "x"])
_TREES = st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=5)), max_leaves=25)


@FUZZ
@given(st.dictionaries(_KEYS, _TREES, max_size=6), st.booleans())
def test_generated_front_matter_flattened_or_not(data: dict, flatten: bool) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if flatten:
        text = "\n".join(line.lstrip() for line in text.split("\n"))
    check(f"---\n{text}---\n# Card\n")


_MERGE_KEYS = st.sampled_from(["models", "model", "parameters", "weight", "density", "merge_method", "base_model",
                               "slices", "sources", "layer_range", "experts", "source_model", "positive_prompts",
                               "dtype", "t", "filter"])
_MERGE_TREES = st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(_MERGE_KEYS, children, max_size=5)), max_leaves=25)


@FUZZ
@given(st.dictionaries(_MERGE_KEYS, _MERGE_TREES, min_size=1, max_size=6), st.booleans())
def test_generated_merge_blocks(data: dict, flatten: bool) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    if flatten:
        text = "\n".join(line.lstrip() for line in text.split("\n"))
    recipes, edges, warnings = extract_recipes(f"```yaml\n{text}\n```\n", {})
    assert all(isinstance(w, str) for w in warnings)
    json.dumps([r.parsed for r in recipes])
    check(f"---\nlicense: mit\n---\n```yaml\n{text}\n```\n")


@FUZZ
@given(st.text(max_size=600))
def test_reindent_output_is_loadable_or_a_clean_error(text: str) -> None:
    for schema in (CARD_SCHEMA, MERGE_SCHEMA):
        try:
            load_yaml(reindent(text, schema))
        except (YamlSyntaxError, ParseError):
            pass


_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
                     lambda children: st.one_of(st.lists(children, max_size=4),
                                                st.dictionaries(st.text(max_size=12), children, max_size=4)),
                     max_leaves=30)


@FUZZ
@given(st.dictionaries(st.sampled_from(["results", "config", "versions", "n-shot", "model_name", "date", "x"]),
                       _JSON, max_size=5))
def test_json_shaped_like_lmeval(data: dict) -> None:
    check(json.dumps(data), filename="results.json")


@FUZZ
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), st.binary(max_size=8)),
                                        max_size=8))
def test_mutated_seeds(path: Path, edits: list[tuple[float, int, bytes]]) -> None:
    data = bytearray(path.read_bytes())
    for where, kind, blob in edits:
        at = int(where * len(data))
        if kind == 0:
            del data[at:at + 40]
        elif kind == 1:
            data[at:at] = blob
        elif kind == 2:
            data[at:at] = b"\n---\n"
        else:
            data[at:at] = data[: min(len(data), 200)]  # repeat the start (front matter) mid-document
    check(bytes(data))

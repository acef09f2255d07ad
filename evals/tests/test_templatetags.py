"""evals template helpers."""

from __future__ import annotations

import pytest
from django.template import Context, Template

# The include the badge tag replaced, verbatim: the tag must render byte-for-byte the same.
OLD_INCLUDE = (
    '{% if status == "verified" %}<span class="badge badge-ok" title="The stated average{% if stated is not None %}'
    ' {{ stated }}{% endif %} recomputes from its components">verified</span>\n'
    '{% elif status == "mismatch" %}<span class="badge badge-bad" title="Stated {{ stated }} but the components give'
    " {{ recomputed|default_if_none:'?' }}\">mismatch</span>\n"
    '{% elif status == "insufficient" %}<span class="badge badge-muted" title="A stated average whose components are'
    ' not all in the document">unverifiable</span>{% endif %}\n'
)


@pytest.mark.parametrize("status", ["verified", "mismatch", "insufficient", "unchecked", ""])
@pytest.mark.parametrize(("stated", "recomputed"), [
    (None, None), (71.25, 71.2512), (12.5, None), (None, 3.0), ("<b>", 1),
])
def test_verification_badge_renders_as_the_include_did(status: str, stated: object, recomputed: object) -> None:
    values = {"status": status, "stated": stated, "recomputed": recomputed}
    tag = Template("{% load evals_extras %}{% verification_badge status stated recomputed %}").render(Context(values))
    assert tag == Template(OLD_INCLUDE).render(Context(values))


def test_verification_badge_examples() -> None:
    def render(**values: object) -> str:
        return Template("{% load evals_extras %}{% verification_badge status stated recomputed %}").render(
            Context(values))

    assert render(status="verified", stated=70.5, recomputed=70.5) == (
        '<span class="badge badge-ok" title="The stated average 70.5 recomputes from its components">'
        "verified</span>\n\n")
    assert 'title="Stated 70.5 but the components give ?"' in render(status="mismatch", stated=70.5, recomputed=None)
    assert render(status="pending", stated=None, recomputed=None) == "\n"

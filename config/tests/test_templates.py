"""The two template engines: the site's pages on Jinja2, the admin on Django's engine, each seeing only
its own files, and Jinja2 printing values exactly as Django's engine did."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.template import Context, Template, TemplateDoesNotExist, engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import mark_safe


def jinja(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(source).render(context)


def django(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_site_pages_are_jinja_and_admin_overrides_are_django() -> None:
    assert get_template("catalog/model_detail.html").backend.name == "jinja2"
    assert get_template("registration/login.html").backend.name == "jinja2"
    assert get_template("admin/catalog/importjob/change_list.html").backend.name == "django"
    assert get_template("admin/change_list.html").backend.name == "django"


def test_neither_engine_sees_the_other_engines_templates() -> None:
    with pytest.raises(TemplateDoesNotExist):
        engines["jinja2"].get_template("admin/catalog/importjob/upload.html")
    with pytest.raises(TemplateDoesNotExist):
        engines["django"].get_template("catalog/home.html")
    with pytest.raises(TemplateDoesNotExist):
        engines["django"].get_template("base.html")
    assert not [name for name in engines["jinja2"].env.list_templates() if name.startswith("admin/")]


@pytest.mark.django_db
def test_admin_import_overrides_render_with_django(staff_client) -> None:
    changelist = staff_client.get(reverse("admin:catalog_importjob_changelist"))
    assert changelist.status_code == 200
    upload_url = reverse("admin:catalog_importjob_upload")
    assert f'<a href="{upload_url}" class="addlink">Import documents</a>' in changelist.content.decode()
    upload = staff_client.get(upload_url).content.decode()
    assert 'name="csrfmiddlewaretoken"' in upload and 'enctype="multipart/form-data"' in upload
    assert 'id="id_files"' in upload and 'name="repo_id"' in upload


@pytest.mark.parametrize("value", [
    "plain", "<script>alert('x') & \"y\"</script>", mark_safe("<b>safe</b>"), 7, -3, True, None,
    71.25, 1e-05, 2.5e16, float("nan"), Decimal("3.10"), Decimal("1E+2"),
    dt.datetime(2026, 5, 17, 13, 4, tzinfo=dt.timezone.utc), dt.date(2026, 5, 17), dt.time(9, 30),
    [1, "<a>"], {"k": "'"},
])
def test_a_printed_value_renders_as_django_rendered_it(value: object) -> None:
    assert jinja("{{ value }}", value=value) == django("{{ value }}", value=value)


def test_missing_values_print_nothing_chain_and_count_as_none() -> None:
    assert jinja("[{{ missing }}|{{ missing.a.b }}|{{ d.absent }}]", d={}) == "[||]"
    # As `{% if d.absent is None %}` held in Django's engine.
    assert jinja("{{ d.absent is none }} {{ d.present is none }}", d={"present": 0}) == "True False"


def test_django_filters_keep_django_semantics() -> None:
    when = dt.datetime(2026, 5, 17, 23, 30, tzinfo=dt.timezone.utc)
    for source, jinja_source in [
        ("{{ n|intcomma }}", "{{ n|intcomma }}"),
        ("{{ x|floatformat:2 }}", "{{ x|floatformat(2) }}"),
        ("{{ when|date:'c' }} {{ when|date:'j M Y' }}", "{{ when|date('c') }} {{ when|date('j M Y') }}"),
        ("{{ n|pluralize }}", "{{ n|pluralize }}"),
        ("{{ text|truncatechars:5 }}", "{{ text|truncatechars(5) }}"),
        ("{{ text|urlencode }}", "{{ text|urlencode }}"),
        ("{% widthratio share 1 100 %}", "{{ widthratio(share, 1, 100) }}"),
    ]:
        context = {"n": 1234567, "x": 2.345, "when": when, "text": "a/b c&d'e", "share": 0.335}
        assert jinja(jinja_source, **context) == django("{% load humanize %}" + source, **context), source


def test_json_mappings_iterate_as_before_whatever_a_document_held() -> None:
    source = "{% for k, v in value|items %}{{ k }}={{ v }};{% else %}none{% endfor %}"
    assert jinja(source, value={"weight": 0.5, "density": 1}) == "weight=0.5;density=1;"
    assert jinja(source, value=["not", "a", "mapping"]) == "none"
    assert jinja(source, value=None) == "none"


@pytest.mark.django_db
def test_form_widgets_render_as_djangos_own_renderer_drew_them() -> None:
    from django.forms.renderers import DjangoTemplates
    from django.http import QueryDict

    from catalog.forms import ImportForm
    from config.jinja2 import FormRenderer
    from evals.filters import ScoreFilter
    from hardware.forms import FinderForm

    score_form = ScoreFilter(QueryDict("q=<x'\"&sort=-params&is_moe=true&params_min=abc")).form.__class__
    data = {"q": "<x'\"", "sort": "-params", "is_moe": "true", "params_min": "abc", "memory_gb": "-1", "repo_id": "x y"}
    for form_class in (score_form, FinderForm, ImportForm):
        ours, djangos = form_class(data, renderer=FormRenderer()), form_class(data, renderer=DjangoTemplates())
        ours.is_valid(), djangos.is_valid()
        for name in ours.fields:
            assert _squeezed(str(ours[name])) == _squeezed(str(djangos[name])), name
        assert str(ours.errors) == str(djangos.errors)


def _squeezed(html: str) -> str:
    """The HTML without the blank lines between tags, where the two sets of widget templates differ."""
    return re.sub(r">\s+<", "><", html.strip())

"""The model page's scores and hardware sections: their tables' cells, worked out in the panels."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.tests.factories import LLMModelFactory
from config.tests.api_factories import EvalRunFactory, ResultFactory
from hardware.models import GPU

pytestmark = pytest.mark.django_db


def _row(html: str, marker: str) -> str:
    start = html.rindex("<tr>", 0, html.index(marker))
    return html[start:html.index("</tr>", start) + 5]


def test_results_table_cells(django_assert_max_num_queries) -> None:
    model = LLMModelFactory(repo_id="org/evald", total_params_b=None)
    run = EvalRunFactory(model=model, label="harness run")
    ResultFactory(run=run, value=71.125, raw_value=0.71125, raw_scale=1.0, stderr=0.0123, shots=25)
    ResultFactory(run=run, benchmark=None, raw_name="my_task", metric="em", value=12.0, raw_value=12.0,
                  normalized=True, shots=None, stderr=None)
    with django_assert_max_num_queries(6):
        html = Client().get("/models/org/evald/").content.decode()
    assert _row(html, "my_task") == (
        '<tr><td><span class="muted">my_task</span></td><td>em</td><td class="num">–</td><td class="num">12.00'
        ' <span class="muted" title="already normalized against the random baseline">norm.</span></td>'
        '<td class="num">–</td><td class="num muted">12.0</td></tr>')
    arc = _row(html, "<td>acc_norm</td>")
    assert arc == ('<tr><td>ARC-Challenge</td><td>acc_norm</td><td class="num">25</td><td class="num">71.13</td>'
                   '<td class="num">0.01</td><td class="num muted">0.71125 (0-1)</td></tr>')


def test_gpus_that_run_it_cells() -> None:
    LLMModelFactory(repo_id="org/sized", total_params_b=7.0, context_length=8192)
    html = Client().get("/models/org/sized/").content.decode()
    gpu = GPU.objects.get(slug="nvidia-geforce-rtx-4090")
    row = _row(html, f'<a href="/hardware/gpus/{gpu.slug}/">')
    assert row.startswith(f'<tr><td><a href="/hardware/gpus/{gpu.slug}/">{gpu.name}</a></td>'
                          '<td class="num">24 GB</td><td><span class="badge badge-ok">fits</span></td>')
    assert row.endswith(f'<td class="num">${gpu.launch_price_usd:,}</td></tr>')
    unpriced = GPU.objects.filter(launch_price_usd__isnull=True, memory_gb__gte=24).first()
    if unpriced is not None:
        assert _row(html, f'<a href="/hardware/gpus/{unpriced.slug}/">').endswith('<td class="num">–</td></tr>')


@pytest.mark.parametrize("language", ["en-us", "de", "fr"])
def test_price_grouping_is_intcommas(language: str) -> None:
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils import translation

    from hardware.panels import _whole_number_grouper

    with translation.override(language):
        group = _whole_number_grouper()
        for value in (1, 999, 1000, 1599, 25000, 1234567, 10**12):
            assert group(value) == intcomma(value)

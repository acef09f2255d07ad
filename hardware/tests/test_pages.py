"""GPU pages."""

from __future__ import annotations

import re

import pytest

from catalog.tests.factories import LLMModelFactory
from hardware.services.fit import compute_requirements

pytestmark = pytest.mark.django_db


def test_gpu_page_pager_keeps_the_context(client) -> None:
    for i in range(51):
        LLMModelFactory(repo_id=f"tiny/Model-{i:02d}", total_params_b=1.0, context_length=32768)
    compute_requirements()
    html = client.get("/hardware/gpus/nvidia-geforce-rtx-4090/", {"context": "32768"}).content.decode()
    assert "51 models fit" in html and "Page 1 of 2" in html
    assert re.search(r'<a href="\?context=32768&amp;page=2" rel="next">', html)
    second = client.get("/hardware/gpus/nvidia-geforce-rtx-4090/", {"context": "32768", "page": "2"}).content.decode()
    assert re.search(r'<a href="\?context=32768&amp;page=1" rel="prev">', second)
    assert "at 32K context" in second

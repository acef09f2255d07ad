"""Facet counts kept under the catalog version: shared across pages and sorts of one filter, never stale."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.db import connections

from catalog import selectors
from catalog.models import LLMModel
from catalog.tests.factories import LLMModelFactory
from config.sitecache.memo import memoized
from config.sitecache.version import bump_now, cache_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed_reads(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a web request reads: cache on, outside any transaction (the test's own is hidden)."""
    settings.RESPONSE_CACHE_SECONDS = 600
    caches[settings.RESPONSE_CACHE_ALIAS].clear()
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    cache_version()  # a connection reads which database it is once: counted queries are per request


def test_facets_of_one_filter_are_computed_once_per_version(committed_reads: None,
                                                            django_assert_num_queries: Any) -> None:
    LLMModelFactory.create_batch(3, family="mistral")
    LLMModelFactory(family="llama")
    with django_assert_num_queries(2):  # the version, the facet query
        first = selectors.facets(LLMModel.objects.all())
    with django_assert_num_queries(1):  # the version only
        again = selectors.facets(LLMModel.objects.order_by("-pk"))  # another sort: the same filter
    assert again == first and dict(first["family"]) == {"mistral": 3, "llama": 1}

    LLMModelFactory(family="llama")
    bump_now()  # what the write's commit does
    with django_assert_num_queries(2):
        after = selectors.facets(LLMModel.objects.all())
    assert after.total == 5 and dict(after["family"]) == {"mistral": 3, "llama": 2}


def test_different_filters_get_their_own_facets(committed_reads: None) -> None:
    LLMModelFactory.create_batch(2, family="mistral")
    LLMModelFactory(family="llama")
    assert selectors.facets(LLMModel.objects.filter(family="llama")).total == 1
    assert selectors.facets(LLMModel.objects.all()).total == 3


def test_nothing_is_kept_inside_a_transaction(settings: Any) -> None:
    # The test's transaction stands for a writer's: what it reads may never commit.
    settings.RESPONSE_CACHE_SECONDS = 600
    calls = []
    for _ in range(2):
        memoized("probe", ("same",), lambda: calls.append(1) or len(calls))
    assert calls == [1, 1]


def test_an_unreachable_cache_computes_the_value(committed_reads: None, monkeypatch: pytest.MonkeyPatch,
                                                 settings: Any) -> None:
    from config.sitecache import store

    class Down:
        def get(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("cache server down")

    monkeypatch.setattr(store, "caches", {settings.RESPONSE_CACHE_ALIAS: Down()})
    assert memoized("probe", ("x",), lambda: 42) == 42

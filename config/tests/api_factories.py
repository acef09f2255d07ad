"""Factories and clients for the API tests. Catalog rows come from catalog.tests.factories;
eval rows (runs, results, scores, uplift) and users with exact permissions are here."""

from __future__ import annotations

from typing import Any

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils.crypto import get_random_string
from factory.django import DjangoModelFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.tests.factories import LLMModelFactory
from evals.models import Benchmark, EvalRun, Leaderboard, MergeUplift, Result, RunSource, Score


class EvalRunFactory(DjangoModelFactory):
    class Meta:
        model = EvalRun

    model = factory.SubFactory(LLMModelFactory)
    source = RunSource.API
    label = factory.Sequence(lambda n: f"run {n}")


class ResultFactory(DjangoModelFactory):
    class Meta:
        model = Result

    run = factory.SubFactory(EvalRunFactory)
    benchmark = factory.LazyFunction(lambda: Benchmark.objects.get(key="arc"))
    raw_name = factory.LazyAttribute(lambda o: o.benchmark.key if o.benchmark else "custom")
    metric = factory.LazyAttribute(lambda o: o.benchmark.metric if o.benchmark else "acc")
    value = 60.0
    raw_value = factory.LazyAttribute(lambda o: o.value)


class ScoreFactory(DjangoModelFactory):
    class Meta:
        model = Score

    model = factory.SubFactory(LLMModelFactory)
    leaderboard = factory.LazyFunction(lambda: Leaderboard.objects.get(slug="open-llm-v1"))
    average = 60.0
    complete = True
    completeness = 1.0
    components = factory.LazyFunction(lambda: {"arc": 60.0})


class MergeUpliftFactory(DjangoModelFactory):
    class Meta:
        model = MergeUplift

    model = factory.SubFactory(LLMModelFactory)
    leaderboard = factory.LazyFunction(lambda: Leaderboard.objects.get(slug="open-llm-v1"))
    method = "ties"
    vs_best_parent = 1.0
    vs_mean_parents = 2.0
    beats_all_parents = True


def make_user(username: str, *perms: str, staff: bool = False, superuser: bool = False) -> Any:
    """A user holding exactly ``perms`` ("app_label.codename")."""
    user = get_user_model().objects.create_user(username=username, password=f"{username}-pass-123",
                                                is_staff=staff or superuser, is_superuser=superuser)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def session_client(user: Any, *, csrf: bool = True) -> APIClient:
    """A browser-like session. With ``csrf`` the client sends the CSRF token as a browser page would;
    CSRF checks are enforced either way."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret  # as a page of this site would have set it
    if csrf:
        client.credentials(HTTP_X_CSRFTOKEN=secret)
    return client

"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(
        username="curator", password="curator-pass-123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def reader_user(django_user_model):
    return django_user_model.objects.create_user(username="reader", password="reader-pass-123")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


SEEDS = __import__("pathlib").Path(__file__).resolve().parent / "catalog" / "fixtures" / "cards" / "seeds"


@pytest.fixture
def seeded(db):
    """The five seed documents imported, scored and fitted, as after `load_demo`."""
    from catalog.services.imports import import_document
    from evals.services.scoring import score_models
    from hardware.services.fit import compute_requirements

    for path in sorted(SEEDS.glob("*.txt")):
        import_document(path.read_bytes(), origin=f"seeds/{path.name}")
    score_models(None)
    compute_requirements(None)


@pytest.fixture
def curator(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="curator2", password="curator-pass-456")
    codenames = ["add_sourcedocument", "change_llmmodel", "add_lineageedge", "delete_lineageedge", "add_result",
                 "change_result", "add_evalrun", "add_gpu", "change_gpu"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def token_for(user) -> str:
    from knox.models import AuthToken

    return AuthToken.objects.create(user)[1]

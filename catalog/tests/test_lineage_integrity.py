"""A model can never become its own ancestor, whichever door the edge comes through."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from catalog.lineage import ancestor_path
from catalog.models import EdgeKind, LineageEdge, LLMModel, SourceDocument
from catalog.services.imports import import_document
from catalog.services.lineage import cycle_error, cycle_through
from catalog.tests.factories import LineageEdgeFactory, LLMModelFactory


def test_ancestor_path_finds_the_shortest_chain_and_survives_stored_cycles() -> None:
    edges = [(1, 2), (2, 3), (3, 4), (1, 4), (4, 1), (5, 6)]
    assert ancestor_path(edges, 1, 4) == [1, 4]
    assert ancestor_path(edges, 2, 1) == [2, 3, 4, 1]
    assert ancestor_path(edges, 1, 5) is None
    assert ancestor_path([], 7, 7) == [7]


def _chain(*names: str) -> list[LLMModel]:
    """a <- b <- c ...: each model was made from the next one."""
    models = [LLMModelFactory(repo_id=f"acme/{name}") for name in names]
    for child, parent in zip(models, models[1:]):
        LineageEdgeFactory(child=child, parent=parent, kind=EdgeKind.FINETUNE)
    return models


@pytest.mark.django_db
def test_cycle_through_names_every_model_on_the_loop() -> None:
    a, b, c = _chain("a", "b", "c")
    assert cycle_through(c.pk, a.pk) == [c.pk, a.pk, b.pk, c.pk]
    assert cycle_error(c.pk, a.pk) == ("This edge would make the model its own ancestor: "
                                       "acme/c <- acme/a <- acme/b <- acme/c.")
    assert cycle_through(a.pk, c.pk) is None  # a shortcut to an ancestor is no cycle
    unrelated = LLMModelFactory(repo_id="acme/z")
    assert cycle_through(unrelated.pk, a.pk) is None


@pytest.mark.django_db
def test_model_clean_refuses_a_cycle() -> None:
    a, _b, c = _chain("a", "b", "c")
    with pytest.raises(ValidationError) as info:
        LineageEdge(child=c, parent=a, kind=EdgeKind.MERGE).full_clean()
    assert "acme/c <- acme/a <- acme/b <- acme/c" in info.value.message_dict["parent"][0]


@pytest.mark.django_db
def test_api_refuses_a_cycle_with_the_field_and_the_loop(django_user_model) -> None:
    from knox.models import AuthToken

    a, _b, c = _chain("a", "b", "c")
    user = django_user_model.objects.create_user(username="editor", password="pw-12345678", is_staff=True,
                                                 is_superuser=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    response = client.post("/api/lineage-edges/", {"child": "acme/c", "parent": "acme/a", "kind": "merge"},
                           format="json")
    assert response.status_code == 400
    [error] = response.json()["error"]["fields"]
    assert (error["field"], error["code"]) == ("parent", "cycle")
    assert "acme/c <- acme/a <- acme/b <- acme/c" in error["message"]
    assert not LineageEdge.objects.filter(child=c, parent=a).exists()


@pytest.mark.django_db
def test_admin_refuses_a_cycle(staff_user) -> None:
    a, _b, c = _chain("a", "b", "c")
    client = Client()
    client.force_login(staff_user)
    response = client.post("/admin/catalog/lineageedge/add/", {
        "child": c.pk, "parent": a.pk, "kind": "merge", "params": "{}", "confidence": "1", "evidence": "",
        "created_at_0": "2026-11-30", "created_at_1": "12:00:00"})
    assert response.status_code == 200  # the form again, with the error
    assert "would make the model its own ancestor" in response.content.decode()
    assert LineageEdge.objects.count() == 2


@pytest.mark.django_db
def test_import_skips_the_closing_edge_with_a_warning_and_keeps_the_rest() -> None:
    import_document(b"---\nbase_model: acme/b\nlicense: mit\n---\n# a\n", origin="a.md", repo_id_hint="acme/a")
    import_document(b"---\nbase_model: acme/c\n---\n# b\n", origin="b.md", repo_id_hint="acme/b")
    outcome = import_document(b"---\nbase_model: acme/a\nlicense: apache-2.0\n---\n# c\n", origin="c.md",
                              repo_id_hint="acme/c")
    edges = set(LineageEdge.objects.values_list("child__repo_id", "parent__repo_id"))
    assert edges == {("acme/a", "acme/b"), ("acme/b", "acme/c")}
    document = SourceDocument.objects.get(origin="c.md")
    assert any("acme/c <- acme/a <- acme/b <- acme/c" in w for w in document.warnings)
    assert LLMModel.objects.get(repo_id="acme/c").license == "apache-2.0"  # the rest of the card is kept
    assert outcome.model.repo_id == "acme/c"


@pytest.mark.django_db
def test_admin_edge_edits_rescore_the_child(staff_user, django_capture_on_commit_callbacks) -> None:
    from evals.models import ScoringJob

    child, parent = LLMModelFactory(repo_id="acme/kid"), LLMModelFactory(repo_id="acme/base")
    client = Client()
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/admin/catalog/lineageedge/add/", {
            "child": child.pk, "parent": parent.pk, "kind": "finetune", "params": "{}", "confidence": "1",
            "evidence": "", "created_at_0": "2026-11-30", "created_at_1": "12:00:00"})
    assert response.status_code == 302
    edge = LineageEdge.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/admin/catalog/lineageedge/{edge.pk}/delete/", {"post": "yes"})
    assert not LineageEdge.objects.exists()
    assert list(ScoringJob.objects.values_list("model_ids", flat=True)) == [[child.pk], [child.pk]]

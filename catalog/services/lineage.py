"""Lineage integrity: a model can never end up among its own ancestors.

A self-loop is refused by a check constraint; a longer cycle (A from B, B from C, C from A)
needs a walk of the graph, done here in one recursive query over the ancestors of the new
parent. Every path that writes edges (import, API, admin) asks ``cycle_through`` first.
"""

from __future__ import annotations

from django.db import connection

from catalog.lineage import ancestor_path
from catalog.models import LineageEdge, LLMModel

# Ancestor sets are small (tens of models); the cap only bounds a pathological graph.
MAX_ANCESTOR_EDGES = 50_000


def cycle_through(child_id: int, parent_id: int) -> list[int] | None:
    """The model ids of the cycle that the edge ``child <- parent`` would close, or None.

    The answer starts at the child and ends at the child again:
    ``[child, parent, grandparent, ..., child]``.
    """
    if child_id == parent_id:
        return [child_id, child_id]
    table = LineageEdge._meta.db_table
    # UNION (not UNION ALL) keeps the walk finite even if the stored graph already has a cycle.
    sql = f"""
        WITH RECURSIVE up(child_id, parent_id) AS (
            SELECT child_id, parent_id FROM {table} WHERE child_id = %s
            UNION
            SELECT e.child_id, e.parent_id FROM {table} e JOIN up ON e.child_id = up.parent_id
        )
        SELECT child_id, parent_id FROM up LIMIT {MAX_ANCESTOR_EDGES}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [parent_id])
        edges = cursor.fetchall()
    chain = ancestor_path(edges, parent_id, child_id)
    return None if chain is None else [child_id, *chain]


def describe_cycle(ids: list[int]) -> str:
    """``a/x <- b/y <- a/x`` for an error message, in one query."""
    names = dict(LLMModel.objects.filter(pk__in=set(ids)).values_list("pk", "repo_id"))
    return " <- ".join(names.get(pk, str(pk)) for pk in ids)


def cycle_error(child_id: int, parent_id: int) -> str | None:
    """A sentence explaining why the edge is refused, or None when it is fine."""
    cycle = cycle_through(child_id, parent_id)
    if cycle is None:
        return None
    return f"This edge would make the model its own ancestor: {describe_cycle(cycle)}."

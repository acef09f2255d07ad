"""Subscriptions to catalog events: new or changed models get their fit rows recomputed."""

from __future__ import annotations

from django.dispatch import receiver

from catalog.signals import import_job_finished, models_changed

# Facts that change what a model needs in memory: editing one recomputes its fit rows.
SIZE_FIELDS = frozenset({"total_params_b", "active_params_b", "layers", "kv_heads", "attention_heads", "head_dim",
                         "hidden_size", "context_length", "is_moe"})


@receiver(import_job_finished, dispatch_uid="hardware.refit_after_import")
def on_import_job_finished(sender, *, job, model_ids, **kwargs) -> None:
    from hardware.services.fit import request_fit

    if model_ids:
        request_fit(model_ids, user=job.created_by)


@receiver(models_changed, dispatch_uid="hardware.refit_after_edit")
def on_models_changed(sender, *, model_ids, fields, user=None, **kwargs) -> None:
    from hardware.services.fit import request_fit

    if SIZE_FIELDS & set(fields) and model_ids:
        request_fit(model_ids, user=user)

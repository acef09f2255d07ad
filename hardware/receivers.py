"""Subscriptions to catalog events: new or changed models get their fit rows recomputed."""

from __future__ import annotations

from django.dispatch import receiver

from catalog.signals import import_job_finished


@receiver(import_job_finished, dispatch_uid="hardware.refit_after_import")
def on_import_job_finished(sender, *, job, model_ids, **kwargs) -> None:
    from hardware.services.fit import request_fit

    if model_ids:
        request_fit(model_ids, user=job.created_by)

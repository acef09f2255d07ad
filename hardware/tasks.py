"""Celery tasks for hardware fit: ids in, one service call."""

from __future__ import annotations

from celery import shared_task

from hardware.services import fit


@shared_task(name="hardware.run_fit_job", acks_late=True)
def run_fit_job_task(job_id: int) -> dict:
    job = fit.run_fit_job(job_id)
    return {"job": job_id, "status": getattr(job, "status", "missing")}


@shared_task(name="hardware.refit_all")
def refit_all_task() -> int:
    return fit.request_fit(None).pk

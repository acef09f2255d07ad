"""Celery tasks: thin wrappers that take ids and call one service function."""

from __future__ import annotations

from celery import shared_task

from catalog.services import imports


@shared_task(name="catalog.run_import_job", acks_late=True)
def run_import_job_task(job_id: int) -> dict:
    job = imports.run_import_job(job_id)
    return {"job": job_id, "status": getattr(job, "status", "missing")}


@shared_task(name="catalog.reap_stuck_jobs")
def reap_stuck_jobs_task() -> list[int]:
    return imports.reap_stuck_jobs()

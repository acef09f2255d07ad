"""Celery tasks for evals: ids in, one service call."""

from __future__ import annotations

from celery import shared_task

from evals.services import scoring


@shared_task(name="evals.run_scoring_job", acks_late=True)
def run_scoring_job_task(job_id: int) -> dict:
    job = scoring.run_scoring_job(job_id)
    return {"job": job_id, "status": getattr(job, "status", "missing")}


@shared_task(name="evals.rescore_all")
def rescore_all_task() -> int:
    return scoring.request_scoring(None, trigger="schedule").pk

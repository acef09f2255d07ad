"""The job lifecycle shared by import, scoring and fit jobs.

A job is a database row (queued -> running -> done | failed); Celery only
delivers its id. Because the row is the truth, a lost message or a killed
worker loses nothing: the reaper finds rows whose heartbeat went stale and
queues them again, up to a bounded number of attempts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class JobQuerySet(models.QuerySet):
    def active(self) -> JobQuerySet:
        return self.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])

    def stale(self, now: Any = None) -> JobQuerySet:
        """Running jobs whose worker stopped sending heartbeats, and queued jobs nobody picked up."""
        now = now or timezone.now()
        cutoff = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
        return self.filter(
            models.Q(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
            | models.Q(status=JobStatus.QUEUED, created_at__lt=cutoff, heartbeat_at__isnull=True)
            | models.Q(status=JobStatus.QUEUED, heartbeat_at__lt=cutoff)
        )


class Job(models.Model):
    """Abstract base: status, counts, progress, errors, timing and heartbeats."""

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.processed / self.total))

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def mark_running(self) -> None:
        now = timezone.now()
        self.status = JobStatus.RUNNING
        self.started_at = self.started_at or now
        self.heartbeat_at = now
        self.attempts += 1
        self.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])

    def heartbeat(self, **counts: int) -> None:
        for key, value in counts.items():
            setattr(self, key, value)
        self.heartbeat_at = timezone.now()
        self.save(update_fields=["heartbeat_at", *counts.keys()])

    def mark_finished(self, *, failed: bool = False, error: str = "") -> None:
        self.status = JobStatus.FAILED if failed else JobStatus.DONE
        self.finished_at = timezone.now()
        if error:
            self.errors = [*self.errors, error][-100:]
        self.save(update_fields=["status", "finished_at", "errors"])

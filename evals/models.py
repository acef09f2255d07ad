"""Evals: benchmarks, leaderboards, runs and results with provenance, computed
scores, verification of stated averages, merge uplift and scoring jobs."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.jobs import Job
from catalog.models import LLMModel, SourceDocument
from config.reversing import slot_url
from evals.querysets import ResultQuerySet, ScoreQuerySet


class Benchmark(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    suite = models.CharField(max_length=40, blank=True, db_index=True)
    metric = models.CharField(max_length=60, help_text="Default metric, e.g. acc_norm.")
    default_shots = models.PositiveSmallIntegerField(null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)
    random_baseline = models.FloatField(
        null=True, blank=True, help_text="Random-guess score as a 0-1 fraction, used for normalization."
    )
    scale = models.FloatField(null=True, blank=True, help_text="100 for percentages; empty for unbounded (Elo).")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subtasks")
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["suite", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(random_baseline__isnull=True) | (Q(random_baseline__gte=0) & Q(random_baseline__lt=1)),
                name="benchmark_baseline_0_1",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Leaderboard(models.Model):
    class Averaging(models.TextChoices):
        MEAN = "mean", "Mean of members"
        MEAN_NORMALIZED = "mean_normalized", "Mean of baseline-normalized members"
        NOUS = "nous", "Nous suite (mean of four sub-averages)"
        ELO = "elo", "Elo rating"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)
    averaging = models.CharField(max_length=20, choices=Averaging.choices, default=Averaging.MEAN)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    benchmarks = models.ManyToManyField(Benchmark, through="LeaderboardMember", related_name="leaderboards")

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slot_url("evals:leaderboard-detail", "slug", self.slug)


class LeaderboardMember(models.Model):
    leaderboard = models.ForeignKey(Leaderboard, on_delete=models.CASCADE, related_name="members")
    benchmark = models.ForeignKey(Benchmark, on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(max_length=60)
    shots = models.PositiveSmallIntegerField(null=True, blank=True)
    alt_metrics = models.JSONField(default=list, blank=True)
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(0)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["leaderboard_id", "position"]
        constraints = [models.UniqueConstraint(fields=["leaderboard", "benchmark"], name="leaderboard_member_unique")]

    def __str__(self) -> str:
        return f"{self.leaderboard.slug}:{self.benchmark.key}"


class RunSource(models.TextChoices):
    FRONT_MATTER = "front_matter", "Card front matter"
    CARD_TABLE = "card_table", "Card table"
    LMEVAL_FILE = "lmeval_file", "lm-eval result file"
    CATALOG_PAGE = "catalog_page", "Catalog page"
    MANUAL = "manual", "Manual entry"
    API = "api", "API"


# Lower is more trustworthy; the scoring rules prefer results from lower ranks.
SOURCE_RANK = {
    RunSource.LMEVAL_FILE: 0,
    RunSource.FRONT_MATTER: 1,
    RunSource.CARD_TABLE: 2,
    RunSource.CATALOG_PAGE: 3,
    RunSource.API: 3,
    RunSource.MANUAL: 4,
}


class EvalRun(models.Model):
    """A group of results from one harness run, one table or one file."""

    model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="eval_runs")
    source = models.CharField(max_length=20, choices=RunSource.choices)
    label = models.CharField(max_length=200, blank=True)
    leaderboard_hint = models.CharField(max_length=40, blank=True)
    harness = models.CharField(max_length=100, blank=True)
    harness_version = models.CharField(max_length=40, blank=True)
    run_date = models.DateField(null=True, blank=True)
    source_document = models.ForeignKey(
        SourceDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="eval_runs"
    )
    self_reported = models.BooleanField(default=True)
    third_party_claim = models.BooleanField(
        default=False, help_text="Stated by another model's document, not by this model's own card."
    )
    stated_averages = models.JSONField(default=dict, blank=True)
    details_url = models.URLField(blank=True, max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["model_id", "-created_at"]
        indexes = [models.Index(fields=["model", "source"], name="evalrun_model_source_idx")]

    def __str__(self) -> str:
        return f"{self.model} · {self.label or self.get_source_display()}"

    @property
    def source_rank(self) -> int:
        return SOURCE_RANK.get(self.source, 5) + (2 if self.third_party_claim else 0)


class Result(models.Model):
    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="results")
    benchmark = models.ForeignKey(Benchmark, null=True, blank=True, on_delete=models.PROTECT, related_name="results")
    raw_name = models.CharField(max_length=200, blank=True, help_text="Task name as written in the source.")
    metric = models.CharField(max_length=60)
    shots = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.FloatField(help_text="0-100 scale (Elo: the rating).")
    raw_value = models.FloatField()
    raw_scale = models.FloatField(null=True, blank=True)
    stderr = models.FloatField(null=True, blank=True)
    normalized = models.BooleanField(default=False, help_text="Already baseline-normalized (Open LLM v2 cards).")

    history = HistoricalRecords()
    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["run_id", "benchmark_id", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "raw_name", "metric", "shots"], name="result_unique_in_run", nulls_distinct=False
            ),
            models.CheckConstraint(condition=Q(stderr__isnull=True) | Q(stderr__gte=0), name="result_stderr_gte_0"),
        ]
        indexes = [models.Index(fields=["benchmark", "metric", "shots"], name="result_bench_metric_idx")]

    def __str__(self) -> str:
        return f"{self.raw_name or self.benchmark_id} {self.metric} = {self.value:.2f}"


class VerificationStatus(models.TextChoices):
    VERIFIED = "verified", "Verified"
    MISMATCH = "mismatch", "Mismatch"
    INSUFFICIENT = "insufficient", "Cannot recompute"
    NONE = "none", "Nothing stated"


class ClaimCheck(models.Model):
    """A stated average recomputed from its components."""

    # The unique (run, aggregate) constraint serves lookups by run: no second index to maintain.
    # No foreign key constraint: statement-level triggers check the reference (migration 0005).
    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="claim_checks", db_index=False,
                            db_constraint=False)
    aggregate = models.CharField(max_length=40, blank=True, help_text="'' for the run's overall average.")
    stated = models.FloatField()
    recomputed = models.FloatField(null=True, blank=True)
    delta = models.FloatField(null=True, blank=True)
    tolerance = models.FloatField(default=0.01)
    status = models.CharField(max_length=16, choices=VerificationStatus.choices)
    n_components = models.PositiveSmallIntegerField(default=0)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run_id", "aggregate"]
        constraints = [models.UniqueConstraint(fields=["run", "aggregate"], name="claim_check_unique")]

    def __str__(self) -> str:
        return f"{self.run} {self.aggregate or 'average'}: {self.stated} ({self.status})"


class ResultFlag(models.Model):
    class Kind(models.TextChoices):
        CONFLICT = "conflict", "Sources disagree"
        SCALE = "scale", "Scale looks wrong"

    model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="result_flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    benchmark = models.ForeignKey(Benchmark, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["model_id", "kind"]
        indexes = [models.Index(fields=["model", "kind"], name="resultflag_model_kind_idx")]

    def __str__(self) -> str:
        return self.message


class Score(models.Model):
    """A model's computed standing on one leaderboard (denormalized for fast boards)."""

    # No single-column indexes: the unique (model, leaderboard) constraint serves lookups by
    # model and the (leaderboard, ...) indexes below serve lookups by board. Each extra index is
    # paid on every row a scoring job writes (a cold job writes 200,000). The references are
    # checked once per statement by triggers, not per row by foreign keys (migration 0005).
    model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="scores", db_index=False,
                              db_constraint=False)
    leaderboard = models.ForeignKey(Leaderboard, on_delete=models.CASCADE, related_name="scores", db_index=False,
                                    db_constraint=False)
    average = models.FloatField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    complete = models.BooleanField(default=False)
    completeness = models.FloatField(default=0)
    components = models.JSONField(default=dict, blank=True)
    reported_average = models.FloatField(null=True, blank=True)
    verification = models.CharField(max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.NONE)
    flag_count = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["leaderboard_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["model", "leaderboard"], name="score_model_leaderboard_unique"),
            models.CheckConstraint(
                condition=Q(completeness__gte=0) & Q(completeness__lte=1), name="score_completeness_0_1"
            ),
        ]
        indexes = [
            models.Index(fields=["leaderboard", "-average"], name="score_board_avg_idx"),
            models.Index(fields=["leaderboard", "rank"], name="score_board_rank_idx"),
            # /api/leaderboards/<slug>/ pages by cursor on COALESCE(rank, 2**62) (config.api_support's
            # NULLs-last key); without this index on the same expression every page sorted the
            # whole board (320 ms at 100,000 models) instead of reading the first rows in order.
            models.Index(F("leaderboard"), Coalesce("rank", Value(2**62)), name="score_board_rank_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model} on {self.leaderboard}: {self.average}"


class MergeUplift(models.Model):
    model = models.OneToOneField(LLMModel, on_delete=models.CASCADE, related_name="merge_uplift_row")
    leaderboard = models.ForeignKey(Leaderboard, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=40, blank=True, db_index=True)
    vs_best_parent = models.FloatField(null=True, blank=True)
    vs_mean_parents = models.FloatField(null=True, blank=True)
    vs_base = models.FloatField(null=True, blank=True)
    beats_all_parents = models.BooleanField(default=False, db_index=True)
    per_benchmark = models.JSONField(default=dict, blank=True)
    parents = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-vs_best_parent"]

    def __str__(self) -> str:
        return f"{self.model} uplift {self.vs_best_parent}"


class ScoringJob(Job):
    class Trigger(models.TextChoices):
        IMPORT = "import", "After import"
        MANUAL = "manual", "On demand"
        SCHEDULE = "schedule", "Scheduled"

    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    model_ids = models.JSONField(default=list, blank=True, help_text="Empty means the whole catalog.")
    scores_written = models.PositiveIntegerField(default=0)
    scores_unchanged = models.PositiveIntegerField(default=0)

    class Meta(Job.Meta):
        pass

    def __str__(self) -> str:
        return f"Scoring #{self.pk} ({self.status})"

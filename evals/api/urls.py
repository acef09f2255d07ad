"""Evals API routes (included under /api/ by config.api_urls)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from evals.api import views

router = SimpleRouter()
router.register("benchmarks", views.BenchmarkViewSet, basename="benchmark")
router.register("runs", views.RunViewSet, basename="run")
router.register("results", views.ResultViewSet, basename="result")
router.register("scores", views.ScoreViewSet, basename="score")
router.register("scoring-jobs", views.ScoringJobViewSet, basename="scoring-job")
router.register("leaderboards", views.LeaderboardViewSet, basename="leaderboard")

urlpatterns = [
    # Any segment reaches the views, so an unknown board is the API's JSON 404 with a reason.
    re_path(r"^leaderboards/(?P<slug>[^/]+)/export\.(?P<fmt>[^/]+)$", views.LeaderboardExportView.as_view(),
            name="leaderboard-export"),
    path("leaderboards/<str:slug>/", views.LeaderboardRowsView.as_view(), name="leaderboard-rows"),
    path("merges/uplift/", views.UpliftView.as_view(), name="merge-uplift"),
    path("merges/beating-parents/", views.BeatingParentsView.as_view(), name="merge-beating-parents"),
    *router.urls,
]

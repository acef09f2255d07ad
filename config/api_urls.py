"""The REST API under /api/."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import serializers
from knox import views as knox_views
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.routers import DefaultRouter

from catalog.api import views as catalog
from evals.api import views as evals
from hardware.api import views as hardware


TOKEN = inline_serializer("Token", {"expiry": serializers.DateTimeField(), "token": serializers.CharField()})


@extend_schema_view(post=extend_schema(request=None, responses={200: TOKEN}))
class LoginView(knox_views.LoginView):
    """POST with HTTP Basic credentials (or a session) -> a token, stored hashed, with an expiry."""

    authentication_classes = [BasicAuthentication, SessionAuthentication]


@extend_schema_view(post=extend_schema(request=None, responses={204: None}))
class LogoutView(knox_views.LogoutView):
    """Revoke the token used for this request."""


@extend_schema_view(post=extend_schema(request=None, responses={204: None}))
class LogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of this user."""


router = DefaultRouter()
router.register("organizations", catalog.OrganizationViewSet, basename="organization")
router.register("models", catalog.ModelViewSet, basename="model")
router.register("lineage-edges", catalog.EdgeViewSet, basename="lineage-edge")
router.register("documents", catalog.DocumentViewSet, basename="document")
router.register("imports", catalog.ImportViewSet, basename="import")
router.register("benchmarks", evals.BenchmarkViewSet, basename="benchmark")
router.register("runs", evals.RunViewSet, basename="run")
router.register("results", evals.ResultViewSet, basename="result")
router.register("scores", evals.ScoreViewSet, basename="score")
router.register("scoring-jobs", evals.ScoringJobViewSet, basename="scoring-job")
router.register("leaderboards", evals.LeaderboardViewSet, basename="leaderboard")
router.register("gpus", hardware.GPUViewSet, basename="gpu")
router.register("quantization-formats", hardware.QuantizationFormatViewSet, basename="quantization-format")
router.register("fit-jobs", hardware.FitJobViewSet, basename="fit-job")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("auth/login/", LoginView.as_view(), name="knox-login"),
    path("auth/logout/", LogoutView.as_view(), name="knox-logout"),
    path("auth/logoutall/", LogoutAllView.as_view(), name="knox-logoutall"),
    path("models/<str:org>/<str:name>/lineage/", catalog.LineageView.as_view(), name="model-lineage"),
    path("leaderboards/<slug:slug>/export.csv", evals.LeaderboardCSVView.as_view(), name="leaderboard-csv"),
    path("leaderboards/<slug:slug>/", evals.LeaderboardRowsView.as_view(), name="leaderboard-rows"),
    path("merges/uplift/", evals.UpliftView.as_view(), name="merge-uplift"),
    path("merges/beating-parents/", evals.BeatingParentsView.as_view(), name="merge-beating-parents"),
    path("fit/", hardware.FitView.as_view(), name="fit"),
    path("recommend/", hardware.RecommendView.as_view(), name="recommend"),
    path("", include(router.urls)),
]

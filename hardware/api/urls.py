"""Hardware API routes (included under /api/ by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hardware.api import views

router = SimpleRouter()
router.register("gpus", views.GPUViewSet, basename="gpu")
router.register("quantization-formats", views.QuantizationFormatViewSet, basename="quantization-format")
router.register("fit-jobs", views.FitJobViewSet, basename="fit-job")

urlpatterns = [
    path("fit/", views.FitView.as_view(), name="fit"),
    path("recommend/", views.RecommendView.as_view(), name="recommend"),
    *router.urls,
]

"""Catalog API routes (included under /api/ by config.api_urls)."""

from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("models", views.ModelViewSet, basename="model")
router.register("lineage-edges", views.EdgeViewSet, basename="lineage-edge")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("imports", views.ImportViewSet, basename="import")

urlpatterns = router.urls

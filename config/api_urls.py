"""The REST API under /api/: each app's routes, token auth, the OpenAPI schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import api_views

urlpatterns = [
    path("", api_views.ApiRootView.as_view(), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's init script is served as a separate file (?script), so no inline script
    # is needed under the Content-Security-Policy; its bundle comes from /static/ (sidecar).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", api_views.RedocView.as_view(url_name="schema"), name="redoc"),
    path("auth/login/", api_views.LoginView.as_view(), name="knox-login"),
    path("auth/logout/", api_views.LogoutView.as_view(), name="knox-logout"),
    path("auth/logoutall/", api_views.LogoutAllView.as_view(), name="knox-logoutall"),
    path("", include("catalog.api.urls")),
    path("", include("evals.api.urls")),
    path("", include("hardware.api.urls")),
    re_path(r"^(?P<path>.*/)$", api_views.not_found),
]

"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path


from config import views

admin.site.site_header = "Open LLM Catalog administration"
admin.site.site_title = "Open LLM Catalog admin"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin).
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("evals.urls")),
    path("hardware/", include("hardware.urls")),
    path("", include("catalog.urls")),
]

handler500 = "config.views.server_error"

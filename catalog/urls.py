"""Catalog pages, the import pages and the site's sign-in (curators need not be staff)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("models/", views.model_list, name="model-list"),
    # Repo ids contain a slash, hence <path:>; the lineage route must come first.
    path("models/<path:repo_id>/lineage/", views.model_lineage, name="lineage"),
    path("models/<path:repo_id>/", views.model_detail, name="model-detail"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_create, name="import-create"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status.json", views.import_status, name="import-status"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="catalog:home"), name="logout"),
]

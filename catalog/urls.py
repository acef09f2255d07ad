from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("models/", views.model_list, name="model-list"),
    path("models/<path:repo_id>/lineage/", views.model_lineage, name="lineage"),
    path("models/<path:repo_id>/", views.model_detail, name="model-detail"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_create, name="import-create"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status.json", views.import_status, name="import-status"),
]

from django.urls import path

from hardware import views

app_name = "hardware"

urlpatterns = [
    path("", views.gpu_list, name="gpu-list"),
    path("gpus/<slug:slug>/", views.gpu_detail, name="gpu-detail"),
    path("what-can-i-run/", views.finder, name="finder"),
]

from django.urls import path

from evals import views

app_name = "evals"

urlpatterns = [
    path("leaderboards/", views.leaderboard_list, name="leaderboard-list"),
    path("leaderboards/<slug:slug>/", views.leaderboard_detail, name="leaderboard-detail"),
    path("leaderboards/<slug:slug>/charts.json", views.leaderboard_charts, name="leaderboard-charts"),
    path("leaderboards/<slug:slug>/export.csv", views.leaderboard_csv, name="leaderboard-csv"),
    path("compare/", views.compare, name="compare"),
    path("merges/", views.merges, name="merges"),
]

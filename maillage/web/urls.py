from django.urls import path

from maillage.web import data_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("donnees/", data_views.data_page, name="data"),
    path(
        "donnees/fichiers/<str:version>/<str:name>",
        data_views.published_file,
        name="published_file",
    ),
    path("structures/<str:key>/", views.structure_detail, name="structure_detail"),
]

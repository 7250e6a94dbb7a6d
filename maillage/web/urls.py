from django.urls import path

from maillage.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("donnees/", views.data, name="data"),
    path("structures/<str:key>/", views.structure_detail, name="structure_detail"),
]

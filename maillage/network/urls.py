"""Pages of the partnership network: /reseau/ and /reseau/structure/<slug>/."""

from django.urls import path

from maillage.network import views

app_name = "network"

urlpatterns = [
    path("reseau/", views.scope_page, name="scope"),
    path("reseau/structure/<str:key>/", views.structure_page, name="structure"),
]

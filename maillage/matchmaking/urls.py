from django.urls import path

from maillage.matchmaking import views

app_name = "matchmaking"

urlpatterns = [
    path("partenaires/", views.partners, name="partners"),
    path("structures/<str:key>/similaires/", views.similar, name="similar"),
]

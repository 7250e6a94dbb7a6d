"""URLs of the practice sheets (French paths)."""

from django.urls import path

from maillage.web import practice_views

app_name = "practices"

urlpatterns = [
    path("pratiques/", practice_views.practice_list, name="list"),
    path("pratiques/nouvelle/", practice_views.practice_new, name="new"),
    path("pratiques/<slug:slug>/", practice_views.practice_detail, name="detail"),
    path("pratiques/<slug:slug>/modifier/", practice_views.practice_edit, name="edit"),
]

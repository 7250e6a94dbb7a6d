"""URLs of the insights (/enseignements/) and of the territory pages (/territoires/)."""

from django.urls import path

from maillage.web import insights_views

app_name = "insights"

urlpatterns = [
    path("enseignements/", insights_views.insights_page, name="insights"),
    path("enseignements/donnees.json", insights_views.insights_json, name="json"),
    path("enseignements/donnees/<slug:key>.csv", insights_views.insights_csv, name="csv"),
    path("enseignements/guide.pdf", insights_views.guide_pdf, name="guide_pdf"),
    path("enseignements/guide.html", insights_views.guide_html, name="guide_html"),
    path("territoires/<slug:kind>/<str:code>/", insights_views.territory_page, name="territory"),
]

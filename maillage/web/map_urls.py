"""URLs of the map (/carte/), its embeddable frame and the data its browser code reads."""

from django.urls import path

from maillage.web import edition_atlas_views, map_views

app_name = "map"

urlpatterns = [
    path("carte/", map_views.map_page, name="map"),
    path("carte/embed/", map_views.map_embed, name="embed"),
    path("carte/integrer/", map_views.map_share, name="share"),
    path("carte/donnees/<str:version>.json", map_views.map_data, name="data"),
    path("carte/selection/", map_views.map_selection, name="selection"),
    path("carte/suggestions/", map_views.map_suggestions, name="suggestions"),
    path("carte/fiche/<str:uid>/", map_views.map_card, name="card"),
    path("carte/export.<str:file_format>", map_views.map_export, name="export"),
    path("carte/edition/<str:key>/", edition_atlas_views.edition_map, name="edition"),
    path(
        "carte/edition/<str:key>/donnees.json",
        edition_atlas_views.edition_map_data,
        name="edition_data",
    ),
    path(
        "carte/edition/<str:key>/selection/",
        edition_atlas_views.edition_map_selection,
        name="edition_selection",
    ),
]

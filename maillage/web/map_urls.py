"""URLs of the map (/carte/). Filled in by the map feature."""

app_name = "map"

urlpatterns: list = []

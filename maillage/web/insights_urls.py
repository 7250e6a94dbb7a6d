"""URLs of the insights (/enseignements/, /territoires/...). Filled in by the insights feature."""

app_name = "insights"

urlpatterns: list = []

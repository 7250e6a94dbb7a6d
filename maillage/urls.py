from django.contrib import admin
from django.urls import include, path

from maillage.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("maillage.web.map_urls")),
    path("", include("maillage.web.insights_urls")),
    path("", include("maillage.web.contribution_urls")),
    path("", include("maillage.following.urls")),
    path("", include("maillage.web.practice_urls")),
    path("", include("maillage.matchmaking.urls")),
    path("", include("maillage.network.urls")),
    path("", include("maillage.web.urls")),
]

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from maillage.api.api import api

urlpatterns = [
    # Switching the language only sets a preference cookie: a forged request could do no
    # more than that, so the form on every page carries no CSRF token, and the pages can
    # be kept in the cache for every visitor (maillage.web.page_cache).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
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

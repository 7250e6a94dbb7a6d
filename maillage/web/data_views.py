"""The open-data page (/donnees/) and the downloads of the full published data."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from maillage.exports.published import published_file_path, published_files
from maillage.imports.models import ImportRun
from maillage.structures import selectors
from maillage.structures.filters import FILTER_PARAMETERS


@require_GET
def data_page(request):
    """The licences, the downloads, the API and the sources.

    While the downloads are older than the data, the page says so and is not kept by the
    page cache (the data version, its key, does not change when the new files are done)."""
    published = published_files()
    api_root = request.build_absolute_uri(reverse("api:api-root"))
    response = render(
        request,
        "web/data.html",
        {
            "sources": selectors.source_list(),
            "published": published,
            "files": published.files,
            "version": published.version,
            "changelog": ImportRun.objects.all()[:20],
            "api_root": api_root.rstrip("/"),
            "filter_parameters": FILTER_PARAMETERS,
        },
    )
    if not published.current:
        patch_cache_control(response, no_cache=True)
    return response


@require_GET
def published_file(request, version: str, name: str):
    path = published_file_path(version=version, name=name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    # A version's files never change, but they are withdrawn at once when personal data
    # in them is erased: caches keep them an hour, not longer.
    response["Cache-Control"] = "public, max-age=3600"
    return response

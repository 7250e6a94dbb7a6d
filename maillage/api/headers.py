"""Headers every API response carries: the data's licence and last update, and caching."""

from django.conf import settings
from django.db.models import Max
from django.utils.http import http_date

from maillage.api.cache import request_data_version
from maillage.structures.models import Structure
from maillage.structures.version_cache import kept


def data_updated_at():
    """When the published data last changed (an index lookup on updated_at)."""
    return Structure.objects.aggregate(latest=Max("updated_at"))["latest"]


def _data_updated_at(request):
    """data_updated_at, read once per data version in the process (it only changes with the
    data; maillage.structures.version_cache), whatever ANSWER_CACHE says: the request reads
    the version anyway (the answer cache, the vocabularies), and a kept date saves the
    shared cache's round trip that every answer, cached or not, paid for it."""
    return kept(request_data_version(request), "data updated at", data_updated_at)


class DataHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/"):
            return response
        response["Link"] = f'<{settings.DATA_LICENCE_URL}>; rel="license"'
        response["X-Data-Licence"] = settings.DATA_LICENCE
        # The API's own description is not data: no database read for it.
        describes_itself = request.path.endswith(("/openapi.json", "/docs"))
        updated = None if describes_itself else _data_updated_at(request)
        if updated:
            response["X-Data-Updated"] = updated.isoformat()
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.setdefault("Cache-Control", "public, max-age=60")
            if updated:
                response.setdefault("Last-Modified", http_date(updated.timestamp()))
        return response

"""No NUL character reaches the database through the API's query strings.

PostgreSQL refuses text holding a NUL (0x00) character, so such a parameter would end in a
server error wherever it is compared with a column. No code, slug, uid or word of the atlas
holds one: the API answers 422 naming the parameter, before any view runs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return JsonResponse(
                        {
                            "detail": [
                                {
                                    "loc": ["query", name.replace("\x00", "")],
                                    "msg": "Caractère NUL (0x00) interdit dans les paramètres.",
                                    "type": "value_error",
                                }
                            ]
                        },
                        status=422,
                    )
        return self.get_response(request)

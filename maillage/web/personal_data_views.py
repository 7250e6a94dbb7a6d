"""/donnees-personnelles/: what Maillage keeps about people, and removal on request."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from maillage.contributions import personal_data
from maillage.contributions.forms import ErasureForm
from maillage.web.contribution_views import challenge_problem, spam_guard


def _context(form, **extra) -> dict:
    return {
        "form": form,
        "honeypot_field": form["site_web_confirmation"],
        "retention_years": round(settings.CONTACT_RETENTION_DAYS / 365, 1),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def erasure(request: HttpRequest) -> HttpResponse:
    template = "web/contributions/personal_data.html"
    if request.method == "GET":
        return render(request, template, _context(ErasureForm()))
    refused = spam_guard(request, scope="erasure")
    if refused:
        return refused
    form = ErasureForm(request.POST)
    if not form.is_valid():
        return render(request, template, _context(form), status=400)
    problem = challenge_problem(request)
    if problem:
        return render(request, template, _context(form, challenge_error=problem), status=400)
    personal_data.erasure_request(email=form.cleaned_data["email"])
    return render(request, "web/contributions/erasure_sent.html")


@require_GET
def erasure_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        done = personal_data.erasure_confirm(token=token)
    except ValidationError:
        done = None
    return render(
        request,
        "web/contributions/erasure_done.html",
        {"request_log": done},
        status=200 if done else 400,
    )

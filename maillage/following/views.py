"""/flux/: the feeds explained and a feed address built from filters; the digest's
subscription, confirmation and unsubscribe pages (no login, no JavaScript needed except
for the subscription form's anti-robot check, like every public form)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from maillage.following import services
from maillage.following.feeds import feed_path, feed_title
from maillage.following.filters import FollowFilters
from maillage.following.forms import FollowForm, SubscriptionForm
from maillage.following.sources import ALL, sources
from maillage.web.contribution_views import challenge_problem, spam_guard


def feed_links(filters: FollowFilters) -> list[dict]:
    """The feeds of a selection: title, path, for links and autodiscovery."""
    slugs = [ALL, *(source.slug for source in sources())]
    return [{"slug": s, "title": feed_title(s), "path": feed_path(s, filters)} for s in slugs]


def _expanded(query) -> QueryDict:
    """The query with comma lists split (?theme=a,b as ?theme=a&theme=b), as feeds take them."""
    expanded = QueryDict(mutable=True)
    for name in query:
        expanded.setlist(
            name, [part for value in query.getlist(name) for part in value.split(",") if part]
        )
    return expanded


@require_http_methods(["GET"])
def feeds_page(request: HttpRequest) -> HttpResponse:
    form = FollowForm(_expanded(request.GET) if request.GET else None)
    filters = FollowFilters()
    if form.is_bound and form.is_valid():
        try:
            filters = form.filters()
        except ValidationError as error:
            form.add_error(None, error)
    query = filters.query_string()
    return render(
        request,
        "following/feeds.html",
        {
            "form": form,
            "filters": filters,
            "feeds": feed_links(filters),
            "sources": sources(),
            "subscribe_url": reverse("following:subscribe") + (f"?{query}" if query else ""),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _subscribe_context(form, **extra) -> dict:
    return {
        "form": form,
        "honeypot_field": form["site_web_confirmation"],
        "pending_days": settings.SUBSCRIPTION_PENDING_DAYS,
        **extra,
    }


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    template = "following/subscribe.html"
    if request.method == "GET":
        # Filters chosen on /flux/ come along in the query string.
        query = _expanded(request.GET)
        initial = {name: query.getlist(name) for name in ("theme", "type")}
        for name in ("region", "department", "epci", "commune"):
            if query.get(name):
                initial[name] = query.getlist(name)[0]
        return render(request, template, _subscribe_context(SubscriptionForm(initial=initial)))
    refused = spam_guard(request, scope="following")
    if refused:
        return refused
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        return render(request, template, _subscribe_context(form), status=400)
    problem = challenge_problem(request)
    if problem:
        return render(
            request, template, _subscribe_context(form, challenge_error=problem), status=400
        )
    services.subscription_request(
        email=form.cleaned_data["email"],
        filters=form.filters(),
        frequency=form.cleaned_data["frequency"],
        language=get_language() or "fr",
    )
    return render(
        request,
        "following/subscribe_sent.html",
        {"email": form.cleaned_data["email"], "pending_days": settings.SUBSCRIPTION_PENDING_DAYS},
    )


def _invalid_link(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return render(
        request, "following/invalid_link.html", {"message": error.messages[0]}, status=400
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what is about to start, POST starts it: a link opened by a mail scanner
    does not subscribe anyone."""
    try:
        subscription = services.subscription_from_confirm_token(token)
    except ValidationError as error:
        return _invalid_link(request, error)
    context = {"subscription": subscription}
    if subscription is not None:
        context["description"] = FollowFilters.from_stored(subscription.filters).describe()
        if request.method == "POST":
            services.subscription_confirm(subscription=subscription)
            context["unsubscribe_url"] = services.unsubscribe_url(subscription)
            return render(request, "following/confirmed.html", context)
    return render(request, "following/confirm.html", context, status=200 if subscription else 404)


@csrf_exempt  # RFC 8058: mail clients POST here without a form; the signed link is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a one-button form, POST unsubscribes (also the one-click POST of RFC 8058)."""
    try:
        subscription = services.subscription_from_unsubscribe_token(token)
    except ValidationError as error:
        return _invalid_link(request, error)
    description = FollowFilters.from_stored(subscription.filters).describe() if subscription else ""
    if request.method == "POST":
        if subscription is not None:
            services.subscription_delete(subscription=subscription)
        return render(request, "following/unsubscribed.html", {"description": description})
    return render(
        request,
        "following/unsubscribe.html",
        {"subscription": subscription, "description": description},
    )

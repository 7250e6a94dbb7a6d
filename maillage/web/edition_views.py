"""Dated editions of the data: list, open, download, compare, publish (editors)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from maillage.contributions import editions, selectors
from maillage.contributions.forms import EditionForm
from maillage.contributions.models import Edition


@require_GET
def edition_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.edition_list())
    return render(
        request,
        "web/contributions/editions.html",
        {
            "rows": [
                (edition, items[number + 1] if number + 1 < len(items) else None)
                for number, edition in enumerate(items)
            ],
            "can_publish": request.user.has_perm("contributions.publish_edition"),
        },
    )


def _edition(slug: str) -> Edition:
    return get_object_or_404(selectors.edition_list(), slug=slug)


@require_GET
def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    edition = _edition(slug)
    others = selectors.edition_list().exclude(pk=edition.pk)
    previous = others.filter(published_at__lt=edition.published_at).first()
    return render(
        request,
        "web/contributions/edition_detail.html",
        {"edition": edition, "formats": editions.FORMATS, "previous": previous, "others": others},
    )


@require_GET
def edition_download(request: HttpRequest, slug: str, format_name: str) -> HttpResponse:
    if format_name not in editions.FORMATS:
        raise Http404(format_name)
    edition = get_object_or_404(Edition, slug=slug)
    response = HttpResponse(
        editions.edition_file(edition, format_name),
        content_type=editions.CONTENT_TYPES[format_name],
    )
    filename = f"maillage-edition-{edition.slug}.{format_name}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Rewritten only when someone asks to be removed: cache briefly, never for good.
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def edition_compare(request: HttpRequest) -> HttpResponse:
    all_editions = list(selectors.edition_list())
    by_slug = {edition.slug: edition for edition in all_editions}
    older = by_slug.get(request.GET.get("de", ""))
    newer = by_slug.get(request.GET.get("a", ""))
    diff = None
    if older and newer and older != newer:
        diff = editions.edition_diff(
            older=Edition.objects.get(pk=older.pk), newer=Edition.objects.get(pk=newer.pk)
        )
    return render(
        request,
        "web/contributions/edition_compare.html",
        {"editions": all_editions, "older": older, "newer": newer, "diff": diff},
    )


@permission_required("contributions.publish_edition")
@require_http_methods(["GET", "POST"])
def edition_publish(request: HttpRequest) -> HttpResponse:
    form = EditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            edition = editions.edition_publish(
                title=form.cleaned_data["title"], note=form.cleaned_data["note"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(edition)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/contributions/edition_publish.html", {"form": form}, status=status)

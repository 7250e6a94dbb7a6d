"""Dated editions of the data: list, open, download, compare, publish (editors)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from maillage.contributions import edition_writer, editions, selectors
from maillage.contributions.forms import EditionForm
from maillage.contributions.models import Edition


def _can_publish(request: HttpRequest) -> bool:
    return request.user.has_perm("contributions.publish_edition")


@require_GET
def edition_list(request: HttpRequest) -> HttpResponse:
    every = list(selectors.edition_list(listed=False))
    if any(edition.state != Edition.State.READY for edition in every):
        edition_writer.editions_resume()
    items = [edition for edition in every if edition.state != Edition.State.WRITING]
    can_publish = _can_publish(request)
    return render(
        request,
        "web/contributions/editions.html",
        {
            "rows": [
                (edition, items[number + 1] if number + 1 < len(items) else None)
                for number, edition in enumerate(items)
            ],
            "can_publish": can_publish,
            # Asked for and not yet written: only the editors see them.
            "preparing": [e for e in every if e.state == Edition.State.WRITING]
            if can_publish
            else [],
        },
    )


@require_GET
def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    edition = get_object_or_404(selectors.edition_list(listed=False), slug=slug)
    if edition.state == Edition.State.WRITING and not _can_publish(request):
        raise Http404(slug)
    if edition.state != Edition.State.READY:
        edition_writer.editions_resume()
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
    edition = get_object_or_404(Edition.objects.listed(), slug=slug)
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
    # Raises EditionUnavailable (503, maillage.web.unavailable) for an edition rewritten.
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
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                user=request.user,
                # Minutes at national scale: written by the machine's edition writer.
                wait=not settings.EDITIONS_IN_BACKGROUND,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(edition)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/contributions/edition_publish.html", {"form": form}, status=status)

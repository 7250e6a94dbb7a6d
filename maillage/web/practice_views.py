"""Practice sheet pages: the public list and sheet, and the form editors and managers write
them with (preview without saving, clear messages, nothing lost on error)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from maillage.contributions.selectors import managed_structures
from maillage.practices import access, selectors, services
from maillage.practices.forms import PracticeSheetForm, structure_lines
from maillage.practices.models import PracticeSheet
from maillage.practices.rich_text import markdown_render

RESULTS_PER_PAGE = 20


@require_safe
def practice_list(request: HttpRequest) -> HttpResponse:
    """/pratiques/: published sheets, filtered and searched."""
    filters = selectors.PracticeFilters.parse(request.GET)
    page = Paginator(selectors.practice_list(filters=filters), RESULTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "web/practices/list.html",
        {
            "filters": filters,
            "choices": selectors.filter_choices(),
            "page": page,
            "query_string": params.urlencode(),
            "can_write": access.user_can_create_practice(request.user),
        },
    )


@require_safe
def practice_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """/pratiques/<slug>/: one sheet; a draft answers 404 to whoever may not edit it."""
    sheet = selectors.practice_get(slug=slug, user=request.user)
    if sheet is None:
        raise Http404(slug)
    return render(
        request,
        "web/practices/detail.html",
        {"sheet": sheet, "can_edit": access.user_can_edit_practice(request.user, sheet)},
    )


def _form_page(request, *, form, sheet=None, preview=None, status=200) -> HttpResponse:
    return render(
        request,
        "web/practices/form.html",
        {"form": form, "sheet": sheet, "preview": preview},
        status=status,
    )


def _preview(form: PracticeSheetForm) -> dict:
    """What the sheet would look like, from the typed values (valid or not)."""
    data = form.data
    return {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "body_html": markdown_render(data.get("body", "")),
        "participants": data.get("participants", ""),
        "outcomes": data.get("outcomes", ""),
    }


def _save(request, *, form, sheet=None) -> HttpResponse:
    """Preview, or validate and save; on any error the form comes back as typed."""
    if request.POST.get("action") == "preview":
        form.is_valid()  # shows what is still to fix beside the preview
        return _form_page(request, form=form, sheet=sheet, preview=_preview(form))
    if not form.is_valid():
        return _form_page(request, form=form, sheet=sheet, status=400)
    try:
        if sheet is None:
            sheet = services.practice_create(values=form.values(), author=request.user)
        else:
            sheet = services.practice_update(sheet=sheet, values=form.values(), user=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return _form_page(request, form=form, sheet=sheet, status=400)
    if sheet.is_published:
        messages.success(request, _("La fiche est enregistrée et publiée."))
    else:
        messages.success(request, _("Le brouillon est enregistré ; il n'est pas public."))
    return redirect(sheet)


def _forbidden(request) -> HttpResponse:
    return render(request, "web/practices/forbidden.html", status=403)


@login_required
@require_http_methods(["GET", "POST"])
def practice_new(request: HttpRequest) -> HttpResponse:
    """/pratiques/nouvelle/: write a sheet (editors, managers of a structure)."""
    if not access.user_can_create_practice(request.user):
        return _forbidden(request)
    if request.method == "GET":
        managed = list(managed_structures(user=request.user)[:2])
        initial = {"structures": structure_lines(managed[:1])} if len(managed) == 1 else {}
        return _form_page(request, form=PracticeSheetForm(initial=initial))
    return _save(request, form=PracticeSheetForm(request.POST))


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """/pratiques/<slug>/modifier/: change a sheet (editors, managers of a linked structure)."""
    sheet = PracticeSheet.objects.filter(slug=slug).first()
    if sheet is None:
        raise Http404(slug)
    if not access.user_can_edit_practice(request.user, sheet):
        return _forbidden(request)
    if request.method == "GET":
        form = PracticeSheetForm(initial=PracticeSheetForm.initial_from(sheet))
        return _form_page(request, form=form, sheet=sheet)
    return _save(request, form=PracticeSheetForm(request.POST), sheet=sheet)

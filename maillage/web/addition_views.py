"""Public forms proposing a related record of a structure: a partner, an example of value
created, a contact, a resilience initiative. Same checks as every contribution form (rate,
honeypot, fields, then the proof of work), same moderation queue."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from maillage.contributions import services
from maillage.contributions.additions import BY_SEGMENT, RELATED
from maillage.contributions.forms import RELATED_ITEM_FORMS, addition_form_class
from maillage.contributions.models import Proposal
from maillage.web.contribution_views import (
    _form_context,
    _public_structure,
    challenge_problem,
    spam_guard,
)

TEMPLATE = "web/contributions/add_related.html"


@require_http_methods(["GET", "POST"])
def add_related(request: HttpRequest, key: str, segment: str) -> HttpResponse:
    """/structures/<slug>/ajouter/<partenaire|exemple|contact|initiative>/."""
    name = BY_SEGMENT.get(segment)
    if name is None:
        raise Http404(segment)
    structure = _public_structure(key)
    form_class = addition_form_class(name)
    item_fields = RELATED_ITEM_FORMS[name].ITEM_FIELDS
    extra = {
        "structure": structure,
        "related_name": name,
        "related_title": RELATED[name][1],
        "segment": segment,
        "item_fields": item_fields,
        "others": [(s, t) for n, (s, t) in RELATED.items() if n != name],
    }
    if request.method == "GET":
        return render(request, TEMPLATE, _form_context(form_class(), **extra))
    refused = spam_guard(request, scope="contribute")
    if refused:
        return refused
    form = form_class(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _form_context(form, **extra), status=400)
    problem = challenge_problem(request)
    if problem:
        return render(
            request, TEMPLATE, _form_context(form, challenge_error=problem, **extra), status=400
        )
    try:
        services.proposal_submit(
            kind=Proposal.Kind.ADDITION,
            payload={name: [form.item()]},
            structure=structure,
            proposer_name=form.cleaned_data["proposer_name"],
            proposer_email=form.cleaned_data["proposer_email"],
            message=form.cleaned_data["message"],
            user=request.user,
            without_proof_of_work=request.without_proof_of_work,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            form.add_error(None, error)
        return render(request, TEMPLATE, _form_context(form, **extra), status=400)
    return redirect(reverse("contributions:thanks") + f"?nature=ajout&fiche={structure.slug}")

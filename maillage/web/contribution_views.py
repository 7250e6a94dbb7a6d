"""Public contribution pages: propose a structure or a correction, write to a structure.

Each form passes the same checks, in this order: the rate limit per client address, the
honeypot, the fields, then the proof-of-work challenge (consumed only by a submission that
is otherwise accepted). Only then is anything recorded or e-mailed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from maillage.contributions import personal_data, selectors, services, spam
from maillage.contributions.forms import ContactRelayForm, CorrectionForm, ProposalForm
from maillage.contributions.models import Proposal
from maillage.contributions.records import structure_payload
from maillage.referential.models import Commune
from maillage.structures.models import Structure
from maillage.structures.selectors import PUBLIC_STATUSES

CHALLENGE_MESSAGES = {
    spam.ChallengeProblem.MISSING: gettext_lazy(
        "La vérification anti-robot n'a pas été faite : cochez « Je ne suis pas un robot », "
        "attendez la coche, puis envoyez à nouveau. Sans JavaScript, répondez au calcul "
        "proposé à la place."
    ),
    spam.ChallengeProblem.INVALID: gettext_lazy(
        "La vérification anti-robot a échoué : recommencez-la, puis envoyez à nouveau."
    ),
    spam.ChallengeProblem.EXPIRED: gettext_lazy(
        "La vérification anti-robot a expiré : recommencez-la, puis envoyez à nouveau."
    ),
    spam.ChallengeProblem.REPLAYED: gettext_lazy(
        "Cette vérification anti-robot a déjà servi : recommencez-la, puis envoyez à nouveau."
    ),
    spam.ChallengeProblem.WRONG_ANSWER: gettext_lazy(
        "La réponse au calcul n'est pas la bonne : répondez à la nouvelle question, en "
        "chiffres, puis envoyez à nouveau."
    ),
    spam.ChallengeProblem.FALLBACK_RATE: gettext_lazy(
        "Trop d'envois sans vérification anti-robot depuis votre connexion : réessayez dans "
        "%(minutes)s minutes, ou activez JavaScript."
    ),
}
# The same problems, for the question answered without JavaScript.
FALLBACK_MESSAGES = {
    spam.ChallengeProblem.MISSING: gettext_lazy(
        "Répondez au calcul de la vérification anti-robot (en chiffres), puis envoyez à nouveau."
    ),
    spam.ChallengeProblem.EXPIRED: gettext_lazy(
        "La question anti-robot a expiré : répondez à la nouvelle, puis envoyez à nouveau."
    ),
    spam.ChallengeProblem.REPLAYED: gettext_lazy(
        "Cette question anti-robot a déjà servi : répondez à la nouvelle, puis envoyez à nouveau."
    ),
}


def refusal(request: HttpRequest, *, reason: str, retry_after: int = 0) -> HttpResponse:
    """The clear refusal page of a submission stopped by the spam checks."""
    status = 429 if reason == "rate" else 400
    response = render(
        request,
        "web/contributions/refused.html",
        {"reason": reason, "retry_minutes": max(1, (retry_after + 59) // 60)},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def spam_guard(request: HttpRequest, *, scope: str) -> HttpResponse | None:
    """A refusal when the client is over its rate or filled the honeypot, else None."""
    rate = spam.rate_check(request, scope=scope)
    if not rate.allowed:
        return refusal(request, reason="rate", retry_after=rate.retry_after)
    if spam.honeypot_filled(request.POST):
        return refusal(request, reason="honeypot")
    return None


def challenge_problem(request: HttpRequest) -> str:
    """'' when the submitted challenge is valid and unused (it is then consumed).

    Without the proof of work, a right answer to the no-JavaScript question passes too,
    under a stricter rate limit; request.without_proof_of_work then says so.
    """
    request.without_proof_of_work = False
    payload = request.POST.get(spam.PAYLOAD_FIELD, "")
    token = request.POST.get(spam.FALLBACK_TOKEN_FIELD, "")
    if payload or not token:
        problem = spam.challenge_check(payload)
        return str(CHALLENGE_MESSAGES[problem]) if problem else ""
    problem = spam.fallback_check(token, request.POST.get(spam.FALLBACK_ANSWER_FIELD, ""))
    if problem is None:
        rate = spam.rate_check(request, scope="sans-js", limit=spam.fallback_rate_limit())
        if not rate.allowed:
            return str(CHALLENGE_MESSAGES[spam.ChallengeProblem.FALLBACK_RATE]) % {
                "minutes": max(1, (rate.retry_after + 59) // 60)
            }
        request.without_proof_of_work = True
        return ""
    return str(FALLBACK_MESSAGES.get(problem) or CHALLENGE_MESSAGES[problem])


@never_cache
@require_GET
def challenge(request: HttpRequest) -> JsonResponse:
    """A fresh proof-of-work challenge for the ALTCHA widget."""
    return JsonResponse(spam.challenge_create())


@require_GET
def duplicates(request: HttpRequest) -> JsonResponse:
    """Visible structures resembling a name being typed (progressive enhancement)."""
    rate = spam.rate_check(request, scope="duplicates", limit=600)
    if not rate.allowed:
        return JsonResponse({"results": [], "retry_after": rate.retry_after}, status=429)
    name = request.GET.get("name", "").strip()[:200]
    commune = request.GET.get("commune", "").strip()[:100]
    code = commune if len(commune) == 5 and commune[:2].isalnum() else ""
    if commune and not code:
        code = (
            Commune.objects.filter(name__iexact=commune).values_list("code", flat=True).first()
            or ""
        )
    found = selectors.possible_duplicates(name=name, commune_code=code) if name else []
    return JsonResponse({"results": [vars(item) for item in found]})


def _form_context(form, *, duplicates=(), challenge_error: str = "", **extra) -> dict:
    return {
        "form": form,
        "duplicates": list(duplicates),
        "challenge_error": challenge_error,
        "honeypot_field": form[spam.HONEYPOT_FIELD],
        **extra,
    }


@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    """/contribuer/: propose a new structure."""
    template = "web/contributions/propose.html"
    if request.method == "GET":
        return render(request, template, _form_context(ProposalForm()))
    refused = spam_guard(request, scope="contribute")
    if refused:
        return refused
    form = ProposalForm(request.POST)
    if not form.is_valid():
        return render(request, template, _form_context(form), status=400)
    payload = form.payload()
    found = selectors.possible_duplicates(
        name=payload["name"], commune_code=payload["commune_code"]
    )
    if found and not form.cleaned_data["not_duplicate"]:
        return render(request, template, _form_context(form, duplicates=found, ask_duplicate=True))
    problem = challenge_problem(request)
    if problem:
        return render(request, template, _form_context(form, challenge_error=problem), status=400)
    try:
        services.proposal_submit(
            kind=Proposal.Kind.NEW,
            payload=payload,
            proposer_name=form.cleaned_data["proposer_name"],
            proposer_email=form.cleaned_data["proposer_email"],
            message=form.cleaned_data["message"],
            user=request.user,
            without_proof_of_work=request.without_proof_of_work,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, template, _form_context(form), status=400)
    return redirect(reverse("contributions:thanks") + "?nature=nouvelle")


def _public_structure(key: str) -> Structure:
    structure = selectors.public_structure_get(slug=key)
    if structure is None:
        raise Http404(key)
    return structure


def _corrected_fields(base: dict, payload: dict) -> dict:
    def same(a, b):
        if isinstance(a, list) or isinstance(b, list):
            return sorted(a or []) == sorted(b or [])
        return (a or None) == (b or None)

    return {name: value for name, value in payload.items() if not same(base.get(name), value)}


@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, key: str) -> HttpResponse:
    """/structures/<slug>/corriger/: propose a correction of a structure."""
    structure = _public_structure(key)
    template = "web/contributions/correct.html"
    base = structure_payload(structure)
    commune_name = structure.commune.name if structure.commune else ""
    if request.method == "GET":
        form = CorrectionForm(initial=CorrectionForm.initial_from_payload(base, commune_name))
        return render(request, template, _form_context(form, structure=structure))
    refused = spam_guard(request, scope="contribute")
    if refused:
        return refused
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return render(request, template, _form_context(form, structure=structure), status=400)
    changes = _corrected_fields(base, form.payload())
    if not changes:
        form.add_error(None, _("Vous n'avez rien modifié : changez au moins un champ."))
        return render(request, template, _form_context(form, structure=structure), status=400)
    problem = challenge_problem(request)
    if problem:
        context = _form_context(form, structure=structure, challenge_error=problem)
        return render(request, template, context, status=400)
    try:
        services.proposal_submit(
            kind=Proposal.Kind.CORRECTION,
            payload=changes,
            structure=structure,
            proposer_name=form.cleaned_data["proposer_name"],
            proposer_email=form.cleaned_data["proposer_email"],
            message=form.cleaned_data["message"],
            user=request.user,
            without_proof_of_work=request.without_proof_of_work,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, template, _form_context(form, structure=structure), status=400)
    return redirect(reverse("contributions:thanks") + f"?nature=correction&fiche={structure.slug}")


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    structure = None
    if request.GET.get("fiche"):
        structure = Structure.objects.filter(
            slug=request.GET["fiche"], status__in=PUBLIC_STATUSES
        ).first()
    return render(
        request,
        "web/contributions/thanks.html",
        {"nature": request.GET.get("nature", ""), "structure": structure},
    )


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, key: str) -> HttpResponse:
    """/structures/<slug>/contacter/: write to a structure's contacts through Maillage."""
    structure = _public_structure(key)
    template = "web/contributions/contact.html"
    reachable = bool(personal_data.relay_recipients(structure))
    if request.method == "GET" or not reachable:
        context = _form_context(ContactRelayForm(), structure=structure, reachable=reachable)
        return render(request, template, context)
    refused = spam_guard(request, scope="contact")
    if refused:
        return refused
    form = ContactRelayForm(request.POST)
    context = {"structure": structure, "reachable": reachable}
    if not form.is_valid():
        return render(request, template, _form_context(form, **context), status=400)
    problem = challenge_problem(request)
    if problem:
        return render(
            request, template, _form_context(form, challenge_error=problem, **context), status=400
        )
    personal_data.contact_relay(
        structure=structure,
        sender_name=form.cleaned_data["sender_name"],
        sender_email=form.cleaned_data["sender_email"],
        message=form.cleaned_data["message"],
    )
    return render(request, "web/contributions/contact_sent.html", {"structure": structure})

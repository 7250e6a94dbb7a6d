"""Accounts, claims and direct edits: log in and out, sign up, claim a structure, edit it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from maillage.contributions import accounts, selectors, services
from maillage.contributions.forms import (
    ClaimForm,
    EmailAuthenticationForm,
    ManagerEditForm,
    SignupForm,
)
from maillage.contributions.records import diff_rows, structure_payload
from maillage.contributions.roles import STAFF_ROLES
from maillage.structures.models import Structure


class LoginView(auth_views.LoginView):
    template_name = "web/contributions/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = accounts.login_throttled(request, request.POST.get("username", ""))
        if wait:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                _(
                    "Trop de tentatives de connexion. Réessayez dans %(minutes)s minutes, ou "
                    "réinitialisez votre mot de passe."
                )
                % {"minutes": max(1, (wait + 59) // 60)},
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    template_name = "web/contributions/logged_out.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/contributions/password_reset.html"
    email_template_name = "contributions/emails/password_reset.txt"
    subject_template_name = "contributions/emails/password_reset_subject.txt"
    success_url = reverse_lazy("contributions:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/contributions/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/contributions/password_reset_confirm.html"
    success_url = reverse_lazy("contributions:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/contributions/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.account_signup(
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            password=form.cleaned_data["password1"],
        )
        return render(request, "web/contributions/signup_sent.html")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/contributions/signup.html", {"form": form}, status=status)


@require_GET
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = accounts.account_activate(uidb64=uidb64, token=token)
    return render(
        request,
        "web/contributions/activated.html",
        {"activated": user is not None},
        status=200 if user else 400,
    )


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = [name for name in user.groups.values_list("name", flat=True)]
    return render(
        request,
        "web/contributions/account.html",
        {
            "managed": selectors.managed_structures(user=user),
            "claims": selectors.user_claims(user=user).exclude(status="confirmed"),
            "roles": roles,
            "is_team": user.is_superuser or any(role in STAFF_ROLES for role in roles),
        },
    )


def _structure(key: str) -> Structure:
    structure = selectors.public_structure_get(slug=key)
    if structure is None:
        raise Http404(key)
    return structure


@login_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, key: str) -> HttpResponse:
    """/structures/<slug>/gerer/: ask to manage a structure."""
    structure = _structure(key)
    form = ClaimForm(request.POST or None)
    context = {"form": form, "structure": structure, "domain": services.website_domain(structure)}
    if request.method == "POST" and form.is_valid():
        try:
            request_ = services.claim_request(
                user=request.user,
                structure=structure,
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            return render(
                request, "web/contributions/claim_sent.html", {"claim": request_, **context}
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "web/contributions/claim.html", context, status=status)


@require_GET
def claim_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirmed = services.claim_confirm_token(token=token)
    except ValidationError:
        confirmed = None
    return render(
        request,
        "web/contributions/claim_confirmed.html",
        {"claim": confirmed},
        status=200 if confirmed else 400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, key: str) -> HttpResponse:
    """/structures/<slug>/modifier/: a manager's (or a moderator's) direct edit."""
    structure = _structure(key)
    if not services.user_can_edit(user=request.user, structure=structure):
        return render(
            request, "web/contributions/edit_forbidden.html", {"structure": structure}, status=403
        )
    template = "web/contributions/edit.html"
    commune_name = structure.commune.name if structure.commune else ""
    if request.method == "GET":
        initial = ManagerEditForm.initial_from_payload(structure_payload(structure), commune_name)
        initial["version"] = structure.updated_at.isoformat()
        form = ManagerEditForm(initial=initial)
        return render(request, template, {"form": form, "structure": structure})
    form = ManagerEditForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form, "structure": structure}, status=400)
    try:
        services.structure_edit(
            structure=structure,
            payload=form.payload(),
            base_updated_at=form.cleaned_data["version"],
            user=request.user,
            confirm_current=form.cleaned_data["confirm_current"],
        )
    except services.EditConflict as conflict:
        # Keep what the person typed, with the other person's changes beside it, and the
        # new version so that saving again is a deliberate choice.
        data = request.POST.copy()
        data["version"] = conflict.current_updated_at.isoformat()
        form = ManagerEditForm(data)
        form.is_valid()
        return render(
            request,
            template,
            {
                "form": form,
                "structure": structure,
                "conflict": conflict,
                "conflict_changes": [
                    (revision, diff_rows(revision.before, revision.after))
                    for revision in conflict.revisions
                ],
            },
            status=409,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, template, {"form": form, "structure": structure}, status=400)
    messages.success(request, _("La fiche est enregistrée et publiée."))
    return redirect(structure)

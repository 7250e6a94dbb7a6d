"""The moderation desk in the Django admin: the proposal queue with a field-by-field
comparison, accept / edit-then-accept / reject, the history with revert, claims, editions
and the log of removal requests."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.contributions import selectors, services
from maillage.contributions.additions import addition_item_text, addition_related
from maillage.contributions.forms import RELATED_ITEM_FORMS, StructureForm
from maillage.contributions.models import (
    Edition,
    ErasureRequest,
    Proposal,
    StructureManager,
    StructureRevision,
)
from maillage.contributions.records import (
    PROPOSABLE_FIELDS,
    diff_rows,
    display,
    field_title,
    structure_payload,
    structure_snapshot,
)
from maillage.referential.models import Commune
from maillage.structures.models import Term


def _labelled(payload: dict) -> dict:
    """A payload with term slugs and commune codes shown as their labels."""
    labels = {(t.slug): t.label for t in Term.objects.all()}
    shown = {}
    for name, value in payload.items():
        if name == "commune_code" and value:
            commune = Commune.objects.filter(code=value).first()
            shown[name] = f"{commune.name} ({value})" if commune else value
        elif name in ("main_type",) and value:
            shown[name] = labels.get(value, value)
        elif isinstance(value, list):
            shown[name] = sorted(labels.get(slug, slug) for slug in value)
        else:
            shown[name] = value
    return shown


def comparison_rows(current: dict | None, proposed: dict) -> list[dict]:
    """One row per proposable field: the current value, the proposed one, changed or not."""
    current_shown = _labelled(current or {})
    proposed_shown = _labelled(proposed)
    rows = []
    for name in PROPOSABLE_FIELDS:
        if name not in proposed and current is not None:
            continue
        before = current_shown.get(name) if current is not None else None
        after = proposed_shown.get(name)
        rows.append(
            {
                "title": field_title(name),
                "before": display(before),
                "after": display(after),
                "changed": display(before) != display(after),
            }
        )
    return rows


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "proposed_name",
        "kind",
        "status",
        "structure",
        "proposer",
        "created_at",
        "without_proof_of_work",
        "moderate_link",
    ]
    list_filter = ["status", "kind", "without_proof_of_work"]
    search_fields = ["payload", "proposer_name", "structure__name"]
    date_hierarchy = "created_at"
    list_select_related = ["structure"]
    readonly_fields = [f.name for f in Proposal._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="#", ordering="pk")
    def number(self, proposal: Proposal) -> int:
        return proposal.pk

    @admin.display(description=gettext_lazy("nom proposé"))
    def proposed_name(self, proposal: Proposal) -> str:
        return proposal.payload.get("name") or (
            proposal.structure.name if proposal.structure else ""
        )

    @admin.display(description=gettext_lazy("proposée par"))
    def proposer(self, proposal: Proposal) -> str:
        return proposal.proposer_name or "—"

    @admin.display(description="")
    def moderate_link(self, proposal: Proposal) -> str:
        label = _("Modérer") if proposal.status == Proposal.Status.PENDING else _("Voir")
        url = reverse("admin:contributions_proposal_moderate", args=[proposal.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        return [
            path(
                "<int:pk>/moderer/",
                self.admin_site.admin_view(self.moderate_view),
                name="contributions_proposal_moderate",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:contributions_proposal_moderate", int(object_id))

    def moderate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("contributions.view_proposal"):
            raise PermissionDenied
        proposal = get_object_or_404(Proposal.objects.select_related("structure"), pk=pk)
        can_moderate = request.user.has_perm("contributions.moderate_proposal")
        if proposal.kind == Proposal.Kind.ADDITION:
            return self._moderate_addition(request, proposal, can_moderate)
        current = (
            structure_payload(proposal.structure)
            if proposal.kind == Proposal.Kind.CORRECTION and proposal.structure
            else None
        )
        merged = {**(current or {}), **proposal.payload}
        commune = Commune.objects.filter(code=merged.get("commune_code") or "").first()
        form = StructureForm(
            initial=StructureForm.initial_from_payload(merged, commune.code if commune else "")
        )
        error = ""
        if request.method == "POST" and proposal.status == Proposal.Status.PENDING:
            if not can_moderate:
                raise PermissionDenied
            action = request.POST.get("action")
            if action == "reject":
                try:
                    services.proposal_reject(
                        proposal=proposal,
                        moderator=request.user,
                        reason=request.POST.get("reason", ""),
                    )
                except ValidationError as problem:
                    error = " ".join(problem.messages)
                else:
                    self.message_user(request, _("Proposition refusée."), messages.SUCCESS)
                    return redirect("admin:contributions_proposal_changelist")
            elif action == "accept":
                form = StructureForm(request.POST)
                if form.is_valid():
                    try:
                        structure = services.proposal_accept(
                            proposal=proposal, moderator=request.user, payload=form.payload()
                        )
                    except ValidationError as problem:
                        error = " ".join(problem.messages)
                    else:
                        self.message_user(
                            request,
                            format_html(
                                _('Proposition acceptée : <a href="{}">{}</a> est publiée.'),
                                structure.get_absolute_url(),
                                structure.name,
                            ),
                            messages.SUCCESS,
                        )
                        return redirect("admin:contributions_proposal_changelist")
        duplicates = []
        if proposal.kind == Proposal.Kind.NEW and proposal.status == Proposal.Status.PENDING:
            duplicates = selectors.possible_duplicates(
                name=proposal.payload.get("name", ""),
                commune_code=proposal.payload.get("commune_code", ""),
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Proposition n° %(number)s") % {"number": proposal.pk},
            "proposal": proposal,
            "rows": comparison_rows(current, proposal.payload),
            "form": form,
            "error": error,
            "duplicates": duplicates,
            "can_moderate": can_moderate and proposal.status == Proposal.Status.PENDING,
            "revisions": proposal.revisions.all(),
        }
        return TemplateResponse(request, "admin/contributions/proposal/moderate.html", context)

    def _moderate_addition(self, request, proposal: Proposal, can_moderate: bool):
        """An addition: the structure's current list beside the list once the item is added,
        and the item's own form to edit before accepting."""
        name, item = addition_related(proposal.payload)
        form_class = RELATED_ITEM_FORMS[name]
        form = form_class(initial=form_class.initial_from_item(item))
        error = ""
        if request.method == "POST" and proposal.status == Proposal.Status.PENDING:
            if not can_moderate:
                raise PermissionDenied
            action = request.POST.get("action")
            if action == "reject":
                try:
                    services.proposal_reject(
                        proposal=proposal,
                        moderator=request.user,
                        reason=request.POST.get("reason", ""),
                    )
                except ValidationError as problem:
                    error = " ".join(problem.messages)
                else:
                    self.message_user(request, _("Proposition refusée."), messages.SUCCESS)
                    return redirect("admin:contributions_proposal_changelist")
            elif action == "accept":
                form = form_class(request.POST)
                if form.is_valid():
                    try:
                        structure = services.proposal_accept(
                            proposal=proposal,
                            moderator=request.user,
                            payload={name: [form.item()]},
                        )
                    except ValidationError as problem:
                        error = " ".join(problem.messages)
                    else:
                        self.message_user(
                            request,
                            format_html(
                                _('Ajout accepté : <a href="{}">{}</a> est à jour.'),
                                structure.get_absolute_url(),
                                structure.name,
                            ),
                            messages.SUCCESS,
                        )
                        return redirect("admin:contributions_proposal_changelist")
        current = []
        if proposal.structure and proposal.status == Proposal.Status.PENDING:
            current = structure_snapshot(proposal.structure.pk).get(name, [])
        labels = {t.slug: t.label for t in Term.objects.all()}
        shown = [addition_item_text(name, entry, labels) for entry in current]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Proposition n° %(number)s") % {"number": proposal.pk},
            "proposal": proposal,
            "rows": [
                {
                    "title": field_title(name),
                    "before": "\n".join(shown) or "—",
                    "after": "\n".join([*shown, addition_item_text(name, item, labels)]),
                    "changed": True,
                }
            ],
            "form": form,
            "error": error,
            "duplicates": [],
            "can_moderate": can_moderate and proposal.status == Proposal.Status.PENDING,
            "revisions": proposal.revisions.all(),
        }
        return TemplateResponse(request, "admin/contributions/proposal/moderate.html", context)


@admin.register(StructureRevision)
class StructureRevisionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "structure_link", "origin", "author_label", "changed", "reverted"]
    list_filter = ["origin", "created_at"]
    search_fields = ["structure_uid", "structure__name", "author_label"]
    list_select_related = ["structure", "reverted_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "structure",
        "structure_uid",
        "created_at",
        "origin",
        "author",
        "author_label",
        "proposal",
        "note",
        "changed_fields",
        "reverted_by",
    ]
    exclude = ["before", "after"]
    change_form_template = "admin/contributions/structurerevision/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("structure"), ordering="structure__name")
    def structure_link(self, revision: StructureRevision) -> str:
        return revision.structure.name if revision.structure else revision.structure_uid

    @admin.display(description=gettext_lazy("champs modifiés"))
    def changed(self, revision: StructureRevision) -> str:
        names = [field_title(name) for name in revision.changed_fields]
        return ", ".join(names[:6]) + (" …" if len(names) > 6 else "")

    @admin.display(description=gettext_lazy("annulée"), boolean=True)
    def reverted(self, revision: StructureRevision) -> bool:
        return revision.reverted_by_id is not None

    def get_urls(self):
        return [
            path(
                "<int:pk>/annuler/",
                self.admin_site.admin_view(self.revert_view),
                name="contributions_structurerevision_revert",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = self.get_object(request, object_id)
        extra = {
            "diff": diff_rows(revision.before, revision.after) if revision else [],
            "can_revert": request.user.has_perm("contributions.revert_structurerevision")
            and revision is not None
            and revision.structure_id is not None
            and revision.reverted_by_id is None,
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def revert_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST" or not request.user.has_perm(
            "contributions.revert_structurerevision"
        ):
            raise PermissionDenied
        revision = get_object_or_404(StructureRevision, pk=pk)
        try:
            services.revision_revert(revision=revision, user=request.user)
        except ValidationError as problem:
            self.message_user(request, " ".join(problem.messages), messages.ERROR)
        else:
            self.message_user(request, _("La modification est annulée."), messages.SUCCESS)
        # The public history page posts here too and gets its reader back.
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(back)
        return redirect("admin:contributions_structurerevision_changelist")


@admin.register(StructureManager)
class StructureManagerAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "structure",
        "status",
        "method",
        "claim_email",
        "created_at",
        "confirmed_at",
    ]
    list_filter = ["status", "method"]
    search_fields = ["user__email", "user__last_name", "structure__name", "claim_email"]
    list_select_related = ["user", "structure"]
    autocomplete_fields = ["structure"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "confirmed_at", "last_reminded_at"]
    actions = ["confirm"]

    @admin.action(
        description=gettext_lazy("Confirmer les gestionnaires choisis"), permissions=["confirm"]
    )
    def confirm(self, request: HttpRequest, queryset: QuerySet[StructureManager]) -> None:
        for claim in queryset:
            services.claim_confirm(claim=claim, by=request.user)
        self.message_user(
            request,
            _("%(count)s gestionnaire(s) confirmé(s).") % {"count": queryset.count()},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        # Confirming through the form goes through the service too (role, date, e-mail).
        if "status" in form.changed_data and obj.status == StructureManager.Status.CONFIRMED:
            obj.status = StructureManager.Status.PENDING
            super().save_model(request, obj, form, change)
            services.claim_confirm(claim=obj, by=request.user)
            return
        super().save_model(request, obj, form, change)

    def has_confirm_permission(self, request) -> bool:
        return request.user.has_perm("contributions.confirm_structuremanager")


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["title", "published_at", "structure_count", "published_by", "rewritten_at"]
    readonly_fields = [
        "slug",
        "published_at",
        "published_by",
        "structure_count",
        "size",
        "sha256",
        "rewritten_at",
    ]
    fields = ["title", "note", *readonly_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    list_display = [
        "requested_at",
        "status",
        "completed_at",
        "contacts_removed",
        "editions_rewritten",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ErasureRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

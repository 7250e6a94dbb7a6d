"""Contributions: proposals under moderation, the history of every change, structure
managers, dated editions of the data and the log of personal-data removals.

A proposal never touches the structures until a moderator accepts it: it lives here, with
its values in Maillage's record format (the export's column names), so a pending proposal
cannot reach the map, the API, the exports or the feeds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maillage.structures.models import Structure


class Proposal(models.Model):
    """A new structure or a correction proposed by anyone, waiting for a moderator."""

    class Kind(models.TextChoices):
        NEW = "new", _("nouvelle structure")
        CORRECTION = "correction", _("correction")
        ADDITION = "addition", _("ajout à une fiche")

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        REJECTED = "rejected", _("refusée")

    kind = models.CharField(_("nature"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("structure"),
        help_text=_("La structure corrigée, ou celle créée quand la proposition est acceptée."),
    )
    payload = models.JSONField(
        _("valeurs proposées"),
        help_text=_("Au format des enregistrements de Maillage (noms des colonnes d'export)."),
    )
    base_updated_at = models.DateTimeField(
        _("version de la fiche proposée"),
        null=True,
        blank=True,
        help_text=_("Date de modification de la fiche au moment de la proposition."),
    )
    message = models.TextField(_("message aux modérateurs"), blank=True)
    without_proof_of_work = models.BooleanField(
        _("sans vérification anti-robot"),
        default=False,
        help_text=_(
            "Envoyée sans JavaScript : seul un calcul simple a été vérifié, pas la preuve "
            "de travail."
        ),
    )
    proposer_name = models.CharField(_("nom de la personne"), max_length=200, blank=True)
    proposer_email = models.EmailField(_("e-mail de la personne"), blank=True)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("compte"),
    )
    created_at = models.DateTimeField(_("proposée le"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modérateur"),
    )
    rejection_reason = models.TextField(_("motif du refus"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        permissions = [("moderate_proposal", _("Peut accepter ou refuser les propositions"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.payload.get('name') or ''}".strip()


class StructureRevision(models.Model):
    """One change to a structure: who, when, from where, and the record before and after.

    The snapshots are the structure's nested export object (consented contacts only).
    """

    class Origin(models.TextChoices):
        PROPOSAL = "proposal", _("proposition acceptée")
        MANAGER = "manager", _("gestionnaire de la structure")
        MODERATOR = "moderator", _("modération")
        ADMIN = "admin", _("administration")
        IMPORT = "import", _("import")
        REVERT = "revert", _("retour arrière")
        ERASURE = "erasure", _("suppression de données personnelles")
        RETENTION = "retention", _("fin de la durée de conservation")

    structure = models.ForeignKey(
        Structure,
        on_delete=models.SET_NULL,
        null=True,
        related_name="revisions",
        verbose_name=_("structure"),
    )
    structure_uid = models.CharField(_("identifiant de la structure"), max_length=40)
    created_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    origin = models.CharField(_("origine"), max_length=12, choices=Origin.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    author_label = models.CharField(_("auteur (libellé)"), max_length=250, blank=True)
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("proposition"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    before = models.JSONField(_("avant"), null=True, blank=True)
    after = models.JSONField(_("après"), null=True, blank=True)
    changed_fields = models.JSONField(_("champs modifiés"), default=list)
    reverted_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annulée par"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("révision de structure")
        verbose_name_plural = _("historique des structures")
        permissions = [("revert_structurerevision", _("Peut annuler une modification"))]

    def __str__(self) -> str:
        return f"{self.structure_uid} · {self.created_at:%Y-%m-%d %H:%M}"


class StructureManager(models.Model):
    """A person who manages a structure's page, once their claim is confirmed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente de confirmation")
        CONFIRMED = "confirmed", _("confirmée")
        REVOKED = "revoked", _("retirée")

    class Method(models.TextChoices):
        EMAIL = "email", _("lien envoyé sur le domaine du site")
        MODERATOR = "moderator", _("confirmée par un modérateur")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="managed_structures",
        verbose_name=_("compte"),
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="managers", verbose_name=_("structure")
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    method = models.CharField(_("vérification"), max_length=10, choices=Method.choices)
    claim_email = models.EmailField(_("adresse de vérification"), blank=True)
    message = models.TextField(_("message aux modérateurs"), blank=True)
    language = models.CharField(
        _("langue de la personne"),
        max_length=8,
        blank=True,
        help_text=_("Langue du site lors de la demande : celle des e-mails qu'elle reçoit."),
    )
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(_("dernier rappel"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("gestionnaire de structure")
        verbose_name_plural = _("gestionnaires de structure")
        constraints = [
            models.UniqueConstraint(fields=["user", "structure"], name="unique_structure_manager")
        ]
        permissions = [("confirm_structuremanager", _("Peut confirmer un gestionnaire"))]

    def __str__(self) -> str:
        return f"{self.user} → {self.structure}"


class EditionQuerySet(models.QuerySet):
    def listed(self) -> EditionQuerySet:
        """The editions published: not those whose file is still being written."""
        return self.exclude(state=Edition.State.WRITING)


class Edition(models.Model):
    """A dated, frozen copy of the published data, with its JSON export kept whole.

    Its file is written off the request (maillage.contributions.edition_writer): an edition
    asked for is WRITING until then, and one whose file must lose a person's data after a
    removal request is REWRITING, its files withheld, until that is done.
    """

    class State(models.TextChoices):
        READY = "ready", _("publiée")
        WRITING = "writing", _("en préparation")
        REWRITING = "rewriting", _("en réécriture")

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    number = models.PositiveIntegerField(
        _("numéro"),
        unique=True,
        null=True,
        editable=False,
        help_text=_("1 pour la première édition publiée, puis dans l'ordre de publication."),
    )
    title = models.CharField(_("titre"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    published_at = models.DateTimeField(_("publiée le"), db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiée par"),
    )
    structure_count = models.PositiveIntegerField(_("structures"), default=0)
    # The JSON export of the moment, gzip-compressed; kept in the database so that every
    # application process serves the same bytes (no shared disk needed).
    data_gz = models.BinaryField(_("données (JSON compressé)"), editable=False)
    size = models.PositiveBigIntegerField(_("taille du JSON (octets)"), default=0)
    sha256 = models.CharField(_("empreinte SHA-256 du JSON"), max_length=64)
    rewritten_at = models.DateTimeField(
        _("réécrite le"),
        null=True,
        blank=True,
        help_text=_("Dernière réécriture après une demande de suppression de données."),
    )
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.READY, editable=False
    )
    # Keyed hashes (maillage.contributions.personal_data.email_hash) of the addresses whose
    # contacts the file must lose: removal requests carried out since it was last written.
    erasures_pending = models.JSONField(
        _("suppressions à appliquer"), default=list, blank=True, editable=False
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("édition")
        verbose_name_plural = _("éditions")
        permissions = [("publish_edition", _("Peut publier une édition"))]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contributions:edition_detail", args=[self.slug])


class ErasureRequest(models.Model):
    """A request to remove a person's data, logged without the data itself.

    Only a keyed hash of the e-mail address is kept, so the log proves that a request was
    made and carried out without holding the address it was about.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("en attente de confirmation")
        DONE = "done", _("effectuée")

    email_hash = models.CharField(_("empreinte de l'adresse"), max_length=64, db_index=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    completed_at = models.DateTimeField(_("effectuée le"), null=True, blank=True)
    contacts_removed = models.PositiveIntegerField(_("contacts supprimés"), default=0)
    proposals_cleared = models.PositiveIntegerField(_("propositions anonymisées"), default=0)
    revisions_cleared = models.PositiveIntegerField(_("révisions nettoyées"), default=0)
    editions_rewritten = models.PositiveIntegerField(_("éditions réécrites"), default=0)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("demande de suppression de données")
        verbose_name_plural = _("demandes de suppression de données")

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d} · {self.email_hash[:12]}…"

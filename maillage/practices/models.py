"""Practice sheets (« fiches pratiques »): how a structure ran an experimentation, a call for
projects, a hackathon; who took part; what it produced.

Written by editors and by the managers of a linked structure; visitors see only the
published ones. The body is Markdown, kept as typed and rendered once, sanitised, into
body_html (see maillage.practices.rich_text).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maillage.structures.models import Structure, Term


class PracticeSheetQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PracticeSheet.Status.PUBLISHED)


class PracticeSheet(models.Model):
    class Kind(models.TextChoices):
        EXPERIMENTATION = "experimentation", _("expérimentation")
        CALL_FOR_PROJECTS = "appel-a-projets", _("appel à projets")
        HACKATHON = "hackathon", _("hackathon")
        SUPPORT_PROGRAMME = "programme-accompagnement", _("programme d'accompagnement")
        OTHER = "autre", _("autre")

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        PUBLISHED = "published", _("publiée")

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=220, unique=True)
    kind = models.CharField(_("nature"), max_length=30, choices=Kind.choices)
    summary = models.CharField(_("résumé"), max_length=500)
    body = models.TextField(_("récit (Markdown)"), blank=True)
    body_html = models.TextField(_("récit (HTML nettoyé)"), blank=True, editable=False)
    participants = models.TextField(_("qui a participé"), blank=True)
    outcomes = models.TextField(_("ce qu'elle a produit"), blank=True)
    started_on = models.DateField(_("début"), null=True, blank=True)
    ended_on = models.DateField(_("fin"), null=True, blank=True)
    themes = models.ManyToManyField(
        Term,
        blank=True,
        related_name="theme_practices",
        limit_choices_to={"kind": Term.Kind.THEME},
        verbose_name=_("thématiques"),
    )
    formats = models.ManyToManyField(
        Term,
        blank=True,
        related_name="format_practices",
        limit_choices_to={"kind": Term.Kind.FORMAT},
        verbose_name=_("formats d'activité"),
    )
    structures = models.ManyToManyField(
        Structure, related_name="practices", verbose_name=_("structures")
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_sheets",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True, db_index=True)

    # Stemmed, accent-free text of title, summary, body, participants and outcomes (see
    # maillage.practices.search), indexed by each database's full-text engine.
    search_document = models.TextField(editable=False, blank=True)
    search_title = models.CharField(editable=False, max_length=400, blank=True)

    objects = PracticeSheetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("fiche pratique")
        verbose_name_plural = _("fiches pratiques")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="practice_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

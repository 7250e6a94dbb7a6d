"""Structures of open innovation and the vocabularies that describe them."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from maillage.referential.models import Commune


class Term(models.Model):
    """One entry of a controlled vocabulary, with French and English labels.

    Vocabularies are data: an editor adds a theme in the admin, no release needed.
    """

    class Kind(models.TextChoices):
        TYPE = "type", _("type de structure")
        THEME = "theme", _("thématique")
        FORMAT = "format", _("format d'activité")
        ACTOR = "actor", _("type d'acteur (public, partenaire)")
        RESILIENCE = "resilience", _("catégorie d'initiative de résilience")

    kind = models.CharField(_("vocabulaire"), max_length=16, choices=Kind.choices)
    slug = models.SlugField(_("identifiant"), max_length=60)
    label_fr = models.CharField(_("libellé (français)"), max_length=120)
    label_en = models.CharField(_("libellé (anglais)"), max_length=120)
    description_fr = models.TextField(_("définition (français)"), blank=True)
    description_en = models.TextField(_("définition (anglais)"), blank=True)
    color = models.CharField(
        _("couleur"), max_length=7, blank=True, help_text=_("Couleur hexadécimale, ex. #1f6feb.")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["kind", "position", "label_fr"]
        verbose_name = _("terme de vocabulaire")
        verbose_name_plural = _("vocabulaires")
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="unique_term_slug")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "fr").startswith("en") else self.label_fr


class Source(models.Model):
    """Where records come from: a dataset, a survey, a curated list, a contribution."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    url = models.URLField(_("adresse"), blank=True)
    licence = models.CharField(_("licence"), max_length=120, blank=True)
    attribution = models.CharField(_("mention de la source"), max_length=300, blank=True)
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name


def commune_territory(code: str | None) -> tuple[str, str]:
    """(department code, region code) of a commune, ("", "") for none or an unknown one."""
    if not code:
        return "", ""
    row = (
        Commune.objects.filter(code=code)
        .values_list("department_id", "department__region_id")
        .first()
    )
    return (row[0] or "", row[1] or "") if row else ("", "")


class StructureQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Structure.Status.PUBLISHED)


class Structure(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("publiée")
        PENDING = "pending", _("en attente de modération")
        CLOSED = "closed", _("fermée")

    class GeoPrecision(models.TextChoices):
        """How the coordinates were obtained, from the most to the least precise."""

        MANUAL = "manual", _("placée à la main")
        HOUSENUMBER = "housenumber", _("adresse (numéro)")
        STREET = "street", _("rue")
        LOCALITY = "locality", _("lieu-dit")
        COMMUNE = "commune", _("centre de la commune")
        NONE = "none", _("non localisée")

    uid = models.CharField(_("identifiant stable"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    name = models.CharField(_("nom"), max_length=250)
    acronym = models.CharField(_("sigle"), max_length=40, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)

    main_type = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="main_structures",
        limit_choices_to={"kind": Term.Kind.TYPE},
        verbose_name=_("type principal"),
    )
    secondary_types = models.ManyToManyField(
        Term,
        blank=True,
        related_name="secondary_structures",
        limit_choices_to={"kind": Term.Kind.TYPE},
        verbose_name=_("types secondaires"),
    )
    short_description = models.CharField(_("description courte"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("commune"),
    )
    # The commune's department and region, copied on every write (save() below, and the bulk
    # writes of maillage.structures.services), so that territory filters and facet counts read
    # the structure's row (and the facets index below) instead of joining the referential
    # for each structure.
    department_code = models.CharField(max_length=3, blank=True, editable=False)
    region_code = models.CharField(max_length=3, blank=True, editable=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    geo_precision = models.CharField(
        _("précision de la localisation"),
        max_length=12,
        choices=GeoPrecision.choices,
        default=GeoPrecision.NONE,
    )
    geo_source = models.CharField(_("origine de la localisation"), max_length=200, blank=True)

    website = models.URLField(_("site web"), max_length=500, blank=True)
    twitter = models.URLField(_("X / Twitter"), max_length=500, blank=True)
    facebook = models.URLField(_("Facebook"), max_length=500, blank=True)
    linkedin = models.URLField(_("LinkedIn"), max_length=500, blank=True)
    year_founded = models.PositiveSmallIntegerField(_("année de création"), null=True, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=120, blank=True)

    themes = models.ManyToManyField(
        Term,
        blank=True,
        related_name="theme_structures",
        limit_choices_to={"kind": Term.Kind.THEME},
        verbose_name=_("thématiques"),
    )
    formats = models.ManyToManyField(
        Term,
        blank=True,
        related_name="format_structures",
        limit_choices_to={"kind": Term.Kind.FORMAT},
        verbose_name=_("formats d'activité"),
    )
    audiences = models.ManyToManyField(
        Term,
        blank=True,
        related_name="audience_structures",
        limit_choices_to={"kind": Term.Kind.ACTOR},
        verbose_name=_("publics accompagnés"),
    )
    partner_kinds = models.ManyToManyField(
        Term,
        blank=True,
        related_name="partner_structures",
        limit_choices_to={"kind": Term.Kind.ACTOR},
        verbose_name=_("types de partenaires"),
    )

    # Not indexed alone: the three indexes of Meta.indexes that start with it answer its
    # lookups (migration 0014).
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="structures", verbose_name=_("source")
    )
    source_record_id = models.CharField(_("identifiant dans la source"), max_length=100, blank=True)
    last_verified_at = models.DateTimeField(_("dernière vérification"), null=True, blank=True)
    verified_by = models.CharField(_("vérifiée par"), max_length=200, blank=True)
    provenance_note = models.TextField(
        _("note de provenance"),
        blank=True,
        help_text=_("Ce que l'on sait de l'origine de la fiche et ce qui reste à vérifier."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True, db_index=True)

    # Accent-free, lower-case, French-stemmed text of the searchable fields, written by
    # maillage.structures.text_search so that SQLite and PostgreSQL index the same tokens.
    search_document = models.TextField(editable=False, blank=True)
    search_name = models.CharField(editable=False, max_length=400, blank=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_record_id"],
                condition=~Q(source_record_id=""),
                name="unique_source_record",
            )
        ]
        indexes = [
            models.Index(fields=["status", "main_type"]),
            # Facet counts: the columns they group by (the commune for the EPCI kind and
            # the commune's size), reached from (status, id), so that
            # counting the structures of a filter (a list of ids) reads this narrow index
            # instead of the wide rows (BENCHMARKS.md, "Uncached answers at 100,000").
            models.Index(
                fields=[
                    "status",
                    "id",
                    "main_type",
                    "region_code",
                    "department_code",
                    "last_verified_at",
                    "commune",
                ],
                name="structure_facets_idx",
            ),
            # Full-text search: the status and the ranking column of each match, without
            # reading its wide row (maillage.structures.text_search.search).
            models.Index(fields=["status", "id", "search_name"], name="structure_search_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        """Save, with the department and region codes of the commune when it changed."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {"commune", "commune_id"} & set(update_fields):
            return super().save(*args, **kwargs)
        if self.commune_id != getattr(self, "_territory_of", object()):
            self.department_code, self.region_code = commune_territory(self.commune_id)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "department_code", "region_code"}
        super().save(*args, **kwargs)
        self._territory_of = self.commune_id
        return None

    def get_absolute_url(self) -> str:
        return reverse("web:structure_detail", args=[self.slug])

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._territory_of = instance.__dict__.get("commune_id")
        return instance

    @property
    def is_verified(self) -> bool:
        return self.last_verified_at is not None


class NamedPartner(models.Model):
    """A partner named by a structure; linked to a structure of the atlas when it is one."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("nom"), max_length=250)
    kind = models.ForeignKey(
        Term,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        limit_choices_to={"kind": Term.Kind.ACTOR},
        verbose_name=_("type d'acteur"),
    )
    partner_structure = models.ForeignKey(
        Structure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_of",
        verbose_name=_("structure de l'atlas"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partenaire nommé")
        verbose_name_plural = _("partenaires nommés")

    def __str__(self) -> str:
        return self.name


class ValueExample(models.Model):
    """A concrete example of value the structure created for its territory."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="value_examples"
    )
    title = models.CharField(_("titre"), max_length=250)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("exemple de valeur créée")
        verbose_name_plural = _("exemples de valeur créée")

    def __str__(self) -> str:
        return self.title


class Contact(models.Model):
    """A person to contact. Shown only when the person consented to publication."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("nom"), max_length=200)
    role = models.CharField(_("fonction"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    publication_consent = models.BooleanField(_("accepte la publication"), default=False)
    consent_recorded_at = models.DateTimeField(
        _("consentement recueilli le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class ResilienceInitiative(models.Model):
    """A dated initiative of territorial resilience (the study's Covid-19 update)."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="resilience_initiatives"
    )
    title = models.CharField(_("titre"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": Term.Kind.RESILIENCE},
        verbose_name=_("catégorie"),
    )
    started_on = models.DateField(_("date de début"), null=True, blank=True)
    ended_on = models.DateField(_("date de fin"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "title"]
        verbose_name = _("initiative de résilience")
        verbose_name_plural = _("initiatives de résilience")

    def __str__(self) -> str:
        return self.title

"""The French territorial referential: regions, departments, EPCI and communes.

Built from INSEE's official geography (see data/referential/SOURCES.md) and loaded by
`maillage load_referential`. Official codes are the primary keys, so URLs and foreign keys
read as the codes people know (INSEE code for a commune, SIREN for an EPCI).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Epci(models.Model):
    """An intercommunality with its own taxation (EPCI à fiscalité propre)."""

    class Kind(models.TextChoices):
        METROPOLE = "ME", _("Métropole")
        COMMUNAUTE_URBAINE = "CU", _("Communauté urbaine")
        COMMUNAUTE_AGGLOMERATION = "CA", _("Communauté d'agglomération")
        COMMUNAUTE_COMMUNES = "CC", _("Communauté de communes")

    code = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("nature"), max_length=2, choices=Kind.choices, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    class SizeClass(models.TextChoices):
        """Commune size classes by population, the bands INSEE and the 2019 census use."""

        UNDER_2K = "lt2k", _("moins de 2 000 habitants")
        FROM_2K = "2k-10k", _("2 000 à 9 999 habitants")
        FROM_10K = "10k-50k", _("10 000 à 49 999 habitants")
        FROM_50K = "50k-100k", _("50 000 à 99 999 habitants")
        OVER_100K = "100k-plus", _("100 000 habitants et plus")

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100, db_index=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="communes")
    epci = models.ForeignKey(
        Epci, on_delete=models.SET_NULL, null=True, blank=True, related_name="communes"
    )
    population = models.PositiveIntegerField(_("population municipale"), default=0)
    size_class = models.CharField(
        _("taille"), max_length=10, choices=SizeClass.choices, db_index=True
    )
    postcodes = models.CharField(
        _("codes postaux"), max_length=200, blank=True, help_text=_("Séparés par des espaces.")
    )
    latitude = models.FloatField(_("latitude du centre"), null=True, blank=True)
    longitude = models.FloatField(_("longitude du centre"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name} ({self.department_id})"

    @property
    def region(self) -> Region:
        return self.department.region

    @staticmethod
    def size_class_for(population: int) -> str:
        bands = [
            (2_000, Commune.SizeClass.UNDER_2K),
            (10_000, Commune.SizeClass.FROM_2K),
            (50_000, Commune.SizeClass.FROM_10K),
            (100_000, Commune.SizeClass.FROM_50K),
        ]
        for upper, size_class in bands:
            if population < upper:
                return size_class
        return Commune.SizeClass.OVER_100K


class CommuneAlias(models.Model):
    """Another name or code that designates a current commune.

    Merged (fusionnées), delegated and associated communes, and municipal arrondissements,
    so that a 2019 INSEE code or an old commune name still resolves to today's commune.
    """

    class Kind(models.TextChoices):
        DELEGATED = "delegated", _("commune déléguée")
        ASSOCIATED = "associated", _("commune associée")
        ARRONDISSEMENT = "arrondissement", _("arrondissement municipal")
        FORMER = "former", _("ancienne commune")

    code = models.CharField(_("code INSEE"), max_length=5, db_index=True)
    # Some communes merged before 2019 have lost their name in every open source we use.
    name = models.CharField(_("nom"), max_length=100, blank=True)
    kind = models.CharField(_("nature"), max_length=16, choices=Kind.choices)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("ancien code ou nom de commune")
        verbose_name_plural = _("anciens codes et noms de communes")
        constraints = [
            models.UniqueConstraint(fields=["code", "kind", "commune"], name="unique_commune_alias")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code}) → {self.commune_id}"

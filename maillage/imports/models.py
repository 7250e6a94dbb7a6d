"""What each import changed, for the data's changelog."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One import that wrote to the atlas (dry runs and refused files leave no trace)."""

    finished_at = models.DateTimeField(_("terminé le"), auto_now_add=True, db_index=True)
    file_name = models.CharField(_("fichier"), max_length=255)
    format = models.CharField(_("format"), max_length=10)
    profile = models.CharField(_("profil"), max_length=60)
    created = models.PositiveIntegerField(_("créées"), default=0)
    updated = models.PositiveIntegerField(_("modifiées"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangées"), default=0)
    rejected = models.PositiveIntegerField(_("rejetées"), default=0)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.finished_at:%Y-%m-%d})"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysesConfig(AppConfig):
    name = "maillage.analyses"
    verbose_name = _("Enseignements")

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs) -> None:
    from maillage.contributions.roles import roles_ensure

    roles_ensure()


class ContributionsConfig(AppConfig):
    name = "maillage.contributions"
    verbose_name = _("Contributions et modération")

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, sender=self)

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using, **kwargs) -> None:
    from django.db import connections

    from maillage.contributions.roles import roles_ensure
    from maillage.practices.search_index import search_index_ensure

    search_index_ensure(connections[using])
    # The roles are also set after contributions' own migrations, which may run before this
    # app's permissions exist: give the editors theirs once they do (idempotent).
    roles_ensure()


class PracticesConfig(AppConfig):
    name = "maillage.practices"
    verbose_name = _("Fiches pratiques")

    def ready(self) -> None:
        from maillage.practices.feeds import register

        post_migrate.connect(_after_migrate, sender=self)
        # Published sheets in the Atom feeds and the e-mail digests (maillage.following).
        register()

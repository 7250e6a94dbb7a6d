from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(sender, using, **kwargs):
    from django.db import connections

    from maillage.structures.search_index import search_index_ensure

    search_index_ensure(connections[using])


def _ensure_data_version(sender, using, **kwargs):
    from django.db import connections

    from maillage.structures.data_version import data_version_ensure

    data_version_ensure(connections[using])


def _ensure_theme_facets(sender, using, **kwargs):
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from maillage.structures.theme_facets import theme_facets_ensure

    connection = connections[using]
    # Not after a migration back before the one that creates the table.
    if ("structures", "0008_theme_facets") in MigrationRecorder(connection).applied_migrations():
        theme_facets_ensure(connection)


class StructuresConfig(AppConfig):
    name = "maillage.structures"
    verbose_name = _("Structures")

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)
        post_migrate.connect(_ensure_data_version, sender=self)
        post_migrate.connect(_ensure_theme_facets, sender=self)

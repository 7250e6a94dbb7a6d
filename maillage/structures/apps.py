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

    from maillage.structures.theme_facets import theme_facets_ensure

    theme_facets_ensure(connections[using])


class StructuresConfig(AppConfig):
    name = "maillage.structures"
    verbose_name = _("Structures")

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)
        post_migrate.connect(_ensure_data_version, sender=self)
        post_migrate.connect(_ensure_theme_facets, sender=self)

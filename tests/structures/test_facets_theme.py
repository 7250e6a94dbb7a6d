"""Type and region counts under a theme, read from structures_themefacet (the facet values
stored beside the theme links by triggers): the same counts as computed from the
structures, whatever wrote them, and each count what clicking gives."""

import copy

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from maillage.referential.models import Department
from maillage.structures import facets, theme_facets
from maillage.structures.facets import facet_counts, facet_counts_and_total
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Structure, Term
from maillage.structures.services import (
    structure_create,
    structure_update,
    structures_territory_refresh,
)
from maillage.structures.theme_facets import TABLE, theme_facets_ensure, theme_facets_rebuild
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    RegionFactory,
    SourceFactory,
    StructureFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

TWO = ("type", "region")


def stored_rows() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT theme_id, type_id, structure_id, main, region_code FROM {TABLE}")  # noqa: S608
        return {(*row[:3], bool(row[3]), row[4]) for row in cursor.fetchall()}


def expected_rows() -> set[tuple]:
    """The rows from the structures and their links, computed here."""
    rows = set()
    published = Structure.objects.published().prefetch_related("themes", "secondary_types")
    for structure in published:
        types = {structure.main_type_id: True}
        for term in structure.secondary_types.all():
            types.setdefault(term.pk, False)
        for theme in structure.themes.all():
            for type_id, main in types.items():
                rows.add((theme.pk, type_id, structure.pk, main, structure.region_code))
    return rows


def names(params: str) -> list[str]:
    filters = StructureFilters.parse(QueryDict(params))
    assert not filters.problems, filters.problems
    return sorted(s.name for s in filters.apply(Structure.objects.published()))


def counted(selected: str, only=TWO):
    filters = StructureFilters.parse(QueryDict(selected))
    return facet_counts_and_total(
        filters=filters, queryset=Structure.objects.published(), only=only
    )


def computed(selected: str, monkeypatch, only=TWO):
    """The counts computed from the structures (the stored rows not read)."""
    with monkeypatch.context() as patched:
        patched.setattr(facets, "_theme_column_counts", lambda *args: None)
        return counted(selected, only)


def assert_in_step(monkeypatch):
    assert stored_rows() == expected_rows()
    for theme in Term.objects.filter(kind=Term.Kind.THEME).values_list("slug", flat=True):
        for selected in (f"theme={theme}", f"theme={theme}&region=52"):
            assert counted(selected) == computed(selected, monkeypatch), selected


@pytest.fixture
def edge_cases(atlas):
    """The atlas, with the cases the stored rows treat apart."""
    fablab = atlas["a"].main_type
    living_lab = atlas["c"].main_type
    health = atlas["c"].themes.get()
    mobility = atlas["a"].themes.get()
    hub = TermFactory(kind=Term.Kind.TYPE, slug="hub", label_fr="Hub")
    # A secondary type equal to the main one counts once.
    same = StructureFactory(name="E", main_type=fablab, commune=None, themes=[health])
    same.secondary_types.set([fablab, living_lab])
    # Several secondary types, no commune (no region), two themes.
    several = StructureFactory(name="F", main_type=hub, commune=None, themes=[health, mobility])
    several.secondary_types.set([fablab, living_lab])
    # Unpublished: counted nowhere, whatever its links.
    hidden = StructureFactory(
        name="G", main_type=hub, status=Structure.Status.PENDING, themes=[health]
    )
    hidden.secondary_types.set([fablab])
    return {**atlas, "e": same, "f": several, "g": hidden, "hub": hub}


SELECTIONS = [
    "theme=sante",
    "theme=mobilite",
    "theme=sante&region=99",
    "theme=sante&region=52&region=99",
    "theme=mobilite&theme=sante",
    "theme=mobilite,sante&theme_mode=and",
    "theme=sante&type=hub",
    "theme=sante&type=fablab,hub&type_mode=and",
    "theme=sante&q=nantes",
    "theme=sante&verified=no",
    "",
    "region=52",
]


class TestCounts:
    def test_the_rows_are_those_of_the_published_structures(self, edge_cases):
        assert stored_rows() == expected_rows()
        # Rebuilt from scratch (the migration), the same rows.
        theme_facets_rebuild(connection)
        assert stored_rows() == expected_rows()

    def test_under_a_theme(self, edge_cases):
        counts, total = counted("theme=sante")
        # B (fablab, 52), C (living lab, 99), E (fablab; secondary fablab, living lab; no
        # region), F (hub; secondary fablab, living lab; no region); G is pending.
        assert counts == {
            "type": {"fablab": 3, "living-lab": 3, "hub": 1},
            "region": {"52": 1, "99": 1},
        }
        assert total == 4

    @pytest.mark.parametrize("selected", SELECTIONS)
    def test_the_same_as_computed_and_what_clicking_gives(self, edge_cases, selected, monkeypatch):
        found, total = counted(selected)
        assert (found, total) == computed(selected, monkeypatch)
        if total is not None:
            assert total == len(names(selected))
        filters = StructureFilters.parse(QueryDict(selected))
        for parameter, values in found.items():
            others = QueryDict(selected, mutable=True)
            others.pop(parameter, None)
            # OR: the value instead of the current ones; AND: the value added to them.
            kept = list(getattr(filters, parameter)) if filters.mode(parameter) == "and" else []
            for value, count in values.items():
                clicked = QueryDict(others.urlencode(), mutable=True)
                clicked.setlist(parameter, list(dict.fromkeys([*kept, value])))
                assert len(names(clicked.urlencode())) == count, (parameter, value)
        # A type left out of the counts gives no result.
        for slug in Term.objects.filter(kind=Term.Kind.TYPE).values_list("slug", flat=True):
            if slug not in found["type"]:
                clicked = QueryDict(selected, mutable=True)
                kept = list(filters.type) if filters.mode("type") == "and" else []
                clicked.setlist("type", [*kept, slug])
                assert names(clicked.urlencode()) == [], slug

    @pytest.mark.parametrize("selected", ["theme=sante", "theme=sante&region=99"])
    def test_every_facet_at_once(self, edge_cases, selected, monkeypatch):
        filters = StructureFilters.parse(QueryDict(selected))
        published = Structure.objects.published()
        with monkeypatch.context() as patched:
            patched.setattr(facets, "_theme_column_counts", lambda *args: None)
            expected = facet_counts(filters=filters, queryset=published)
        assert facet_counts(filters=filters, queryset=published) == expected

    def test_only_for_the_published_structures(self, edge_cases):
        # Another queryset (every structure) is counted from the structures.
        filters = StructureFilters.parse(QueryDict("theme=sante"))
        counts = facet_counts(filters=filters, queryset=Structure.objects.all(), only=TWO)
        assert counts["type"] == {"fablab": 4, "living-lab": 3, "hub": 2}

    def test_the_api(self, edge_cases, client):
        response = client.get("/api/v1/facets", {"theme": "sante", "facet": ["type", "region"]})
        body = response.json()
        assert body["count"] == 4
        assert [(v["value"], v["count"]) for v in body["facets"]["type"]] == [
            ("fablab", 3),
            ("living-lab", 3),
            ("hub", 1),
        ]
        assert [(v["value"], v["count"]) for v in body["facets"]["region"]] == [
            ("52", 1),
            ("99", 1),
        ]


class TestWritesKeepTheRowsInStep:
    """Every way of writing a structure or its links: the stored rows follow."""

    def test_links_set_added_removed_cleared(self, edge_cases, monkeypatch):
        b, health = edge_cases["b"], Term.objects.get(slug="sante")
        b.themes.remove(health)
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[0]["region"] == {"99": 1}
        b.themes.add(health)
        b.secondary_types.set([edge_cases["hub"], edge_cases["c"].main_type])
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[0]["type"]["hub"] == 2
        b.secondary_types.remove(edge_cases["hub"])
        assert_in_step(monkeypatch)
        edge_cases["f"].secondary_types.clear()
        edge_cases["e"].themes.clear()
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[0]["type"] == {"fablab": 1, "living-lab": 2, "hub": 1}

    def test_main_type_status_and_commune_saved(self, edge_cases, monkeypatch):
        e = edge_cases["e"]
        e.main_type = edge_cases["c"].main_type  # living lab, which is also a secondary type
        e.save()
        assert_in_step(monkeypatch)
        e.main_type = edge_cases["hub"]
        e.commune = edge_cases["c"].commune
        e.save()
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[0]["region"] == {"52": 1, "99": 2}
        e.status = Structure.Status.CLOSED
        e.save()
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 3
        g = edge_cases["g"]
        g.status = Structure.Status.PUBLISHED
        g.save(update_fields=["status"])
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 4
        Structure.objects.filter(pk=g.pk).update(status=Structure.Status.PENDING)
        assert_in_step(monkeypatch)

    def test_structures_deleted(self, edge_cases, monkeypatch):
        edge_cases["f"].delete()
        assert_in_step(monkeypatch)
        Structure.objects.filter(name__in=["B", "C"]).delete()
        assert_in_step(monkeypatch)
        assert counted("theme=sante") == ({"type": {"fablab": 1, "living-lab": 1}, "region": {}}, 1)

    def test_terms_deleted_and_links_moved_to_another_term(self, edge_cases, monkeypatch):
        # A type used only as a secondary type can be deleted: its links go with it.
        other = TermFactory(kind=Term.Kind.TYPE, slug="autre", label_fr="Autre")
        edge_cases["f"].secondary_types.add(other)
        assert_in_step(monkeypatch)
        other.delete()
        assert_in_step(monkeypatch)
        # Merging two themes by moving the links (raw SQL, as a script would).
        health = Term.objects.get(slug="sante")
        merged = TermFactory(slug="sante-bien-etre", label_fr="Santé et bien-être")
        through = Structure.themes.through
        through.objects.filter(term=health).update(term=merged)
        assert_in_step(monkeypatch)
        assert counted("theme=sante-bien-etre")[1] == 4
        Structure.secondary_types.through.objects.filter(term=edge_cases["c"].main_type).update(
            term=edge_cases["hub"]
        )
        assert_in_step(monkeypatch)
        merged.delete()
        assert_in_step(monkeypatch)
        assert counted("theme=mobilite")[1] == 3

    def test_services_create_and_update(self, edge_cases, monkeypatch):
        # The services behind editions, moderation (proposal_accept) and imports.
        SourceFactory(slug="tests")
        created = structure_create(
            values={
                "name": "H",
                "main_type": "hub",
                "secondary_types": ["fablab", "hub"],
                "themes": ["sante", "mobilite"],
                "commune_code": edge_cases["a"].commune_id,
                "source": "tests",
                "status": Structure.Status.PUBLISHED,
            }
        )
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[0]["type"]["hub"] == 2
        structure_update(structure=created, values={"themes": ["mobilite"], "main_type": "fablab"})
        assert_in_step(monkeypatch)
        structure_update(
            structure=Structure.objects.get(pk=created.pk),
            values={"commune_code": edge_cases["c"].commune_id, "secondary_types": ["living-lab"]},
        )
        assert_in_step(monkeypatch)
        assert counted("theme=mobilite")[0]["region"] == {"52": 2, "99": 1}
        structure_update(
            structure=Structure.objects.get(pk=created.pk),
            values={"status": Structure.Status.PENDING},
        )
        assert_in_step(monkeypatch)

    def test_referential_reload_moving_a_department(self, edge_cases, monkeypatch):
        # A new geography moves the test department to another region; the codes copied
        # on the structures follow (structures_territory_refresh), and the rows with them.
        Department.objects.filter(code="99").update(region=RegionFactory(code="98"))
        assert structures_territory_refresh() == 2
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[0]["region"] == {"52": 1, "98": 1}

    def test_admin_form(self, edge_cases, admin_client, settings, monkeypatch):
        templates = copy.deepcopy(settings.TEMPLATES)
        for engine in templates:  # the admin's templates rely on missing variables as ''
            engine.get("OPTIONS", {}).pop("string_if_invalid", None)
        settings.TEMPLATES = templates
        structure = edge_cases["c"]
        elsewhere = CommuneFactory(
            code="T2901",
            department=DepartmentFactory(code="29", region=RegionFactory(code="53")),
        )
        url = reverse("admin:structures_structure_change", args=[structure.pk])
        form = admin_client.get(url).context["adminform"].form
        data = {
            name: value
            for name, value in form.initial.items()
            if value is not None and not isinstance(value, list)
        }
        data.update(
            commune=elsewhere.code,
            main_type=edge_cases["hub"].pk,
            source=structure.source_id,
            themes=[Term.objects.get(slug="mobilite").pk],
            secondary_types=[edge_cases["a"].main_type_id],
        )
        for prefix in ["partners", "value_examples", "contacts", "resilience_initiatives"]:
            data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert_in_step(monkeypatch)
        assert counted("theme=mobilite")[0]["region"] == {"52": 2, "53": 1}

    @pytest.mark.parametrize("bulk", [False, True], ids=["triggers", "bulk"])
    def test_an_import(self, edge_cases, tmp_path, monkeypatch, bulk):
        from maillage.imports.pipeline import run_import

        # A large import's write computes the rows at its end (theme_facets_bulk).
        monkeypatch.setattr(theme_facets, "BULK_FROM", 2 if bulk else 1_000_000)

        SourceFactory(slug="curated-2026")
        path = tmp_path / "a.csv"
        path.write_text(
            "name,main_type,secondary_types,commune_code,themes,source,source_record_id,status\n"
            "I,hub,fablab,44109,sante;mobilite,curated-2026,i1,published\n"
            "J,fablab,fablab;living-lab,44109,sante,curated-2026,i2,published\n"
            "K,fablab,,44109,sante,curated-2026,i3,pending\n"
        )
        report = run_import(path=path)
        assert report.written and len(report.created) == 3, report.rejected
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 6
        # Imported again with changes: updates of the same structures.
        path.write_text(
            "name,main_type,secondary_types,commune_code,themes,source,source_record_id,status\n"
            "I,fablab,hub,44109,mobilite,curated-2026,i1,published\n"
            "J,fablab,living-lab,44109,sante,curated-2026,i2,pending\n"
            "K,fablab,,44109,sante,curated-2026,i3,published\n"
        )
        report = run_import(path=path)
        assert report.written, report.rejected
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 5
        # The triggers are there for the next writes (back after a bulk write).
        Structure.objects.get(name="K").themes.clear()
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 4

    def test_links_written_before_their_structure(self, edge_cases, monkeypatch):
        # Foreign keys are checked at commit: a writer may insert the links first.
        health = Term.objects.get(slug="sante")
        Structure.themes.through.objects.create(structure_id=987654, term=health)
        Structure.secondary_types.through.objects.create(
            structure_id=987654, term=edge_cases["hub"]
        )
        StructureFactory(
            id=987654, name="Z", main_type=edge_cases["a"].main_type, commune=None, themes=[]
        )
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 5

    def test_triggers_created_again(self, edge_cases, monkeypatch):
        # As after every migrate (post_migrate): nothing doubled, still in step.
        theme_facets_ensure(connection)
        theme_facets_ensure(connection)
        edge_cases["b"].themes.clear()
        assert_in_step(monkeypatch)
        assert counted("theme=sante")[1] == 3


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's concurrent writers and TRUNCATE"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_link_added_while_its_structure_is_closed_elsewhere_is_not_counted():
    """Two writers at once: one closes a published structure, the other gives it a theme
    before the first commits. The theme's rows follow the committed state."""
    import threading

    from django.db import close_old_connections, transaction

    from maillage.structures.data_version import data_version_bulk

    theme = TermFactory(kind=Term.Kind.THEME, slug="sante", label_fr="Santé")
    structure = StructureFactory(status=Structure.Status.PUBLISHED, themes=[])
    closed, linked = threading.Event(), threading.Event()
    errors = []

    def close_then_wait():
        try:
            with transaction.atomic():
                Structure.objects.filter(pk=structure.pk).update(status=Structure.Status.CLOSED)
                closed.set()
                linked.wait(timeout=2)  # the other writer is now inside its statement
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            close_old_connections()

    def link():
        try:
            closed.wait(timeout=10)
            # As an import writes: the data version bumped once at the end, so nothing
            # else makes this writer wait for the other (data_version_bulk).
            with transaction.atomic(), data_version_bulk(connection, []):
                threading.Timer(0.5, linked.set).start()
                Structure.themes.through.objects.create(structure_id=structure.pk, term=theme)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=close_then_wait), threading.Thread(target=link)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert Structure.objects.get(pk=structure.pk).status == Structure.Status.CLOSED
    assert stored_rows() == expected_rows() == set()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_truncate_empties_the_rows():
    # Django's flush (between transactional tests, `maillage flush`) truncates the tables.
    theme = TermFactory(kind=Term.Kind.THEME, slug="sante", label_fr="Santé")
    StructureFactory(status=Structure.Status.PUBLISHED, themes=[theme])
    assert stored_rows()
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Structure._meta.db_table}, {Structure.themes.through._meta.db_table}, "
            f"{Structure.secondary_types.through._meta.db_table} CASCADE"
        )
    assert stored_rows() == set()

"""French full-text search: the same answers on SQLite and PostgreSQL."""

import pytest

from maillage.structures import text_search
from maillage.structures.models import Structure, Term
from tests.factories import StructureFactory, TermFactory


def test_fold_removes_accents_case_and_hyphens():
    assert text_search.fold("Tiers-Lieu ÉNERGIE d'Œuvre") == "tiers lieu energie d oeuvre"


def test_plural_and_singular_share_their_terms():
    assert text_search.terms("énergies renouvelables") == text_search.terms("Énergie renouvelable")


def test_stop_words_are_not_terms():
    assert text_search.terms("le pôle de la mer") == ["pol", "mer"]


def test_words_get_the_snowball_french_stems():
    """The stems of Snowball's French algorithm, as PostgreSQL's french configuration and
    the documents already stored have them (the stemmer is compiled since the national
    import: the same algorithm, the same stems, checked against its Python translation)."""
    assert text_search.terms(
        "Fabrication coopérative ateliers réparation mobilité santé jardins partagés "
        "innovation économie circulaire laboratoires citoyennes énergies numériques"
    ) == [
        "fabriqu",
        "cooper",
        "ateli",
        "repar",
        "mobil",
        "sant",
        "jardin",
        "partag",
        "innov",
        "econom",
        "circulair",
        "laboratoir",
        "citoyen",
        "energ",
        "numer",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Structure fictive : accompagne les porteurs de projets, l'innovation et l’économie "
        "sociale (ESS) ; bénévoles, « tiers-lieux » — cœur de ville, ex_aequo, n°3.",
        "Tabs\tand\nnew lines\r\n, no-break\u00a0spaces\u2009and\u202fothers\x1cx",
        "  leading and trailing  ",
        "Combining marks: e\u0301nergie, \u0301 alone, Œuvre ÆTHER, _under_score_ 42",
        "le la les de du des",  # stop words only
        "Ελληνικά, 中文 and ﬁ ligatures",
        "",
    ],
)
def test_documents_of_long_texts_are_their_terms(text):
    """A description's part of the document, computed token by token through a cache,
    is the text's terms with their words (the plain computation), the cache empty or not."""
    expected = " ".join(text_search.terms(text, with_words=True))
    text_search._token_documents.clear()
    assert text_search._text_document(text) == expected
    assert text_search._text_document(text) == expected  # from the cache
    assert text_search._part_document(text * 10) == " ".join(
        text_search.terms(text * 10, with_words=True)
    )


@pytest.fixture
def structures(db):
    energy = TermFactory(
        slug="energie", label_fr="Énergie renouvelable", label_en="Renewable energy"
    )
    made = {
        "solar": StructureFactory(
            name="Coopérative Solaire du Bocage",
            description="Accompagne les projets d'énergie renouvelable citoyenne.",
        ),
        "energy_in_name": StructureFactory(name="Énergies Lab"),
        "tiers_lieu": StructureFactory(
            name="La Fabrique",
            main_type=TermFactory(kind=Term.Kind.TYPE, slug="tiers-lieu", label_fr="Tiers-lieu"),
            description="Un espace de fabrication partagé.",
        ),
        "unrelated": StructureFactory(name="Atelier Vélo", description="Réparation de vélos."),
        "pending": StructureFactory(name="Énergie en attente", status=Structure.Status.PENDING),
    }
    made["energy_in_name"].themes.set([energy])
    text_search.structure_search_refresh(structures=Structure.objects.all())
    return made


def names(query: str) -> list[str]:
    return [s.name for s in text_search.search(Structure.objects.published(), query)]


@pytest.mark.django_db
class TestSearch:
    def test_accents_and_case_do_not_matter(self, structures):
        assert (
            names("ENERGIE")
            == names("énergie")
            == ["Énergies Lab", "Coopérative Solaire du Bocage"]
        )

    def test_stemming_finds_the_singular_from_the_plural(self, structures):
        assert "Coopérative Solaire du Bocage" in names("énergies renouvelables")

    def test_prefix_as_people_type(self, structures):
        assert names("ener") == ["Énergies Lab", "Coopérative Solaire du Bocage"]
        assert names("fabric") == ["La Fabrique"]

    def test_hyphens_do_not_matter(self, structures):
        assert names("tiers lieu") == names("Tiers-Lieu") == ["La Fabrique"]

    def test_every_word_must_match(self, structures):
        assert names("énergie vélo") == []

    def test_name_matches_rank_first(self, structures):
        assert names("énergie")[0] == "Énergies Lab"

    def test_pending_structures_are_not_found(self, structures):
        assert "Énergie en attente" not in names("attente")

    def test_empty_or_stop_word_queries_find_nothing(self, structures):
        assert names("") == [] and names("le la de") == []

    def test_results_follow_edits(self, structures):
        unrelated = structures["unrelated"]
        unrelated.description = "Vélos cargo à assistance électrique et énergie solaire."
        unrelated.save()
        text_search.structure_search_refresh(structures=[unrelated])
        assert "Atelier Vélo" in names("solaire")

    def test_deleted_structures_leave_the_index(self, structures):
        structures["energy_in_name"].delete()
        assert names("ener") == ["Coopérative Solaire du Bocage"]

"""RankedSearch (pages read by tiers) gives search()'s keys, ranks, order and count, on
both databases: ties, several words, names holding some of them, unpublished matches,
other filters; and the API's relevance pages, which use it on SQLite, are search()'s."""

import random
from urllib.parse import quote

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from maillage.structures import selectors, text_search
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Structure, Term
from maillage.structures.text_search import PublishedSearch, RankedSearch
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    RegionFactory,
    StructureFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

WORDS = [
    "Énergie",
    "énergies",
    "renouvelables",
    "Mobilité",
    "mobil'home",
    "solidaire",
    "Fabrique",
    "fabrication",
    "atelier",
    "patrimoine",
    "numérique",
    "3D",
    "lab2",
    "vélo",
]
QUERIES = [
    "energie",
    "énergie renouvelable",
    "renouvel energ",
    "mobil",
    "fabri",
    "fabricat",
    "solidaire numérique atelier",
    "3d",
    "lab",
    "velo patrimoine",
    "absent",
]


@pytest.fixture
def corpus(db):
    rng = random.Random(7)
    themes = [TermFactory(slug="energie", label_fr="Énergie"), TermFactory(slug="culture")]
    north = CommuneFactory(
        department=DepartmentFactory(code="59", region=RegionFactory(code="32", name="Nord"))
    )
    west = CommuneFactory()
    types = [
        TermFactory(kind=Term.Kind.TYPE, slug="fablab", label_fr="Fablab"),
        TermFactory(kind=Term.Kind.TYPE, slug="living-lab", label_fr="Living lab"),
    ]
    statuses = [Structure.Status.PUBLISHED] * 5 + [
        Structure.Status.PENDING,
        Structure.Status.CLOSED,
    ]
    for _ in range(90):
        StructureFactory(
            name=" ".join(rng.sample(WORDS, rng.randint(1, 3))),
            description=" ".join(rng.sample(WORDS, rng.randint(0, 5))),
            commune=rng.choice([north, west]),
            status=rng.choice(statuses),
            themes=rng.sample(themes, rng.randint(0, 2)),
            main_type=rng.choice(types),
        )
    text_search.structure_search_refresh(structures=Structure.objects.all())


def _expected(structures, query):
    return list(text_search.search(structures, query).values_list("pk", "search_rank"))


def _plain(structures, query) -> list[tuple[int, int]]:
    """search()'s keys and ranks computed in Python from the structures' own columns: the
    matches hold every query word as the prefix of a term of their document; the rank is
    3 for a word starting a word of the name, 1 for another; best first, then by id."""
    words = text_search.query_terms(query)
    found = []
    for pk, document, name in structures.values_list("pk", "search_document", "search_name"):
        terms = document.split()
        if words and all(any(term.startswith(word) for term in terms) for word in words):
            found.append((pk, sum(3 if f" {word}" in name else 1 for word in words)))
    return sorted(found, key=lambda key: (-key[1], key[0]))


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("structures", ["published", "every status", "theme", "region"])
def test_search_is_the_plain_computation(corpus, query, structures):
    """search() (whose matches come from the search table on PostgreSQL, from FTS5 on
    SQLite) against the same search done in Python over the structures' columns."""
    make, _published_only = SETS[structures]
    assert _expected(make(), query) == _plain(make(), query)


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PublishedSearch is PostgreSQL's"
)


@needs_postgresql
@pytest.mark.parametrize("query", QUERIES)
def test_published_search_pages_are_the_plain_computation(corpus, query):
    expected = _plain(Structure.objects.published(), query)
    assert PublishedSearch(query).count() == len(expected)
    for size in (1, 4, 50, 150):
        assert _walk(PublishedSearch(query), size) == expected
        counted_first = PublishedSearch(query)  # the HTML search page counts, then pages
        assert counted_first.count() == len(expected)
        assert _walk(counted_first, size) == expected
    if expected:
        pk, rank = expected[-1]
        assert (
            _walk(PublishedSearch(query), 3, backwards=True, start=(rank, pk))
            == (expected[:-1][::-1])
        )
        middle = len(expected) // 2
        pk, rank = expected[middle]
        for read_count_first in (False, True):
            search = PublishedSearch(query)
            if read_count_first:
                assert search.count() == len(expected)
            assert _walk(search, 3, backwards=True, start=(rank, pk)) == (expected[:middle][::-1])
            assert _walk(search, 3, start=(rank, pk)) == expected[middle + 1 :]
            assert search.count() == len(expected)


@needs_postgresql
def test_the_api_reads_an_unfiltered_search_from_the_search_table(client, corpus):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/structures?q=energie").status_code == 200
    searches = [q["sql"] for q in queries if "@@" in q["sql"]]
    assert len(searches) == 1
    assert "structures_structure_search" in searches[0]
    assert '"structures_structure"' not in searches[0]


def _walk(ranked: RankedSearch, size: int, *, backwards=False, start=None) -> list:
    keys, after = [], start
    while True:
        page = ranked.keys(limit=size, after=after, backwards=backwards)
        keys += page
        if len(page) < size:
            return keys
        pk, rank = page[-1]
        after = (rank, pk)


SETS = {
    "published": (lambda: Structure.objects.published(), True),
    "every status": (lambda: Structure.objects.all(), False),
    "theme": (lambda: Structure.objects.published().filter(themes__slug="energie"), False),
    "region": (lambda: Structure.objects.published().filter(region_code="32"), False),
}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("structures", list(SETS))
def test_pages_by_tiers_are_those_of_search(corpus, query, structures):
    make, published_only = SETS[structures]
    expected = _expected(make(), query)
    ranked = RankedSearch(make(), query, published_only=published_only)
    assert ranked.count() == len(expected)
    for size in (1, 4, 50):
        assert _walk(ranked, size) == expected
    if expected:
        # Back from the last match, and from one in the middle.
        pk, rank = expected[-1]
        assert _walk(ranked, 3, backwards=True, start=(rank, pk)) == expected[:-1][::-1]
        middle = len(expected) // 2
        pk, rank = expected[middle]
        assert _walk(ranked, 3, backwards=True, start=(rank, pk)) == expected[:middle][::-1]
        assert _walk(ranked, 3, start=(rank, pk)) == expected[middle + 1 :]


def test_the_corpus_has_ties_names_with_some_words_and_unpublished_matches(corpus):
    ranks = [rank for _, rank in _expected(Structure.objects.published(), "renouvel energ")]
    assert {2, 4, 6} <= set(ranks)  # no word, one word, both words in the name
    assert text_search.matching(Structure.objects.exclude(status="published"), "energ").exists()


FILTERS = ["", "&theme=energie", "&region=32", "&theme=culture&region=52"]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("filters", FILTERS)
def test_api_relevance_pages_are_those_of_search(client, corpus, query, filters):
    params = f"q={quote(query)}{filters}"
    matches = StructureFilters.parse(QueryDict(params)).apply(Structure.objects.published())
    expected = list(matches.values_list("uid", flat=True))
    url, seen, answers = f"/api/v1/structures?{params}&limit=4", [], []
    while url:
        answer = client.get(url).json()
        answers.append(answer)
        seen += [item["id"] for item in answer["results"]]
        url = answer["next"]
    assert seen == expected
    assert [answer["count"] for answer in answers] == [len(expected)] * len(answers)
    # And back, from the last page.
    url, back = answers[-1]["previous"], []
    while url:
        answer = client.get(url).json()
        back = [item["id"] for item in answer["results"]] + back
        url = answer["previous"]
    assert back == expected[: len(expected) - len(answers[-1]["results"])]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("type_slug", [None, "fablab"])
def test_search_page_results_are_those_of_search(corpus, query, type_slug):
    structures = Structure.objects.published()
    if type_slug:
        structures = structures.filter(main_type__slug=type_slug)
    expected = [pk for pk, _ in _expected(structures, query)]
    paginator = Paginator(selectors.structure_search(query=query, type_slug=type_slug), 7)
    seen = [s.pk for n in paginator.page_range for s in paginator.page(n).object_list]
    assert seen == expected
    assert paginator.count == len(expected)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("structures", list(SETS))
def test_count_after_a_page_is_that_of_search(corpus, query, structures):
    """count() after keys() (which may list the matches once for both, several words on
    SQLite): the same count, whatever the page read first."""
    make, published_only = SETS[structures]
    expected = _expected(make(), query)
    starts = [None] + [(rank, pk) for pk, rank in expected[len(expected) // 2 :][:1]]
    for size in (1, 4, 50):
        for start in starts:
            for backwards in (False, True):
                ranked = RankedSearch(make(), query, published_only=published_only)
                keys = ranked.keys(limit=size, after=start, backwards=backwards)
                assert ranked.count() == len(expected)
                if start is None:
                    assert keys == (expected[::-1] if backwards else expected)[:size]
                else:
                    position = expected.index((start[1], start[0]))
                    assert keys == (
                        expected[:position][::-1][:size]
                        if backwards
                        else expected[position + 1 :][:size]
                    )

"""Published practice sheets in the Atom feeds (maillage.following's registry of sources)."""

import html

from maillage.practices.models import PracticeSheet
from tests.following.conftest import ATOM, entry_titles, parse_feed


def test_published_sheets_have_their_feed_and_join_the_feed_of_everything(
    client, write, vocabularies
):
    mobility = vocabularies["theme"]["mobilite"]
    write(title="Hackathon des mobilités rurales", themes=[mobility])
    write(title="Appel à projets en préparation", status=PracticeSheet.Status.DRAFT)

    root = parse_feed(client.get("/flux/pratiques.atom"))
    assert entry_titles(root) == ["Hackathon des mobilités rurales"]
    entry = root.find(f"{ATOM}entry")
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith("/pratiques/hackathon-des-mobilites-rurales/")
    )
    summary = html.unescape(entry.findtext(f"{ATOM}summary"))
    assert "Hackathon · La Fabrique des communs" in summary
    assert "Thématiques : Mobilité" in summary
    # The draft is nowhere, the published sheet is in the feed of everything too.
    everything = entry_titles(parse_feed(client.get("/flux/tout.atom")))
    assert "Hackathon des mobilités rurales (Nouvelles fiches pratiques)" in everything
    assert not any("Appel à projets en préparation" in title for title in everything)


def test_sheets_follow_their_themes_and_the_type_of_their_structures(client, write, vocabularies):
    write(title="Hackathon des mobilités rurales", themes=[vocabularies["theme"]["mobilite"]])

    def titles(query):
        return entry_titles(parse_feed(client.get(f"/flux/pratiques.atom?{query}")))

    assert titles("theme=mobilite") == ["Hackathon des mobilités rurales"]
    assert titles("theme=sante") == []  # the sheet's own themes, not its structure's
    assert titles("type=fablab") == ["Hackathon des mobilités rurales"]  # the Fabrique
    assert titles("type=technopole") == []

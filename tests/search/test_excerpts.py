"""A hit's excerpt (``csti.search.excerpts``) is what Whoosh's own highlighter makes of the same
text — the same passages, cut at the same characters, the same words marked, escaped alike —
on pasted and generated French text, with Whoosh's settings and others."""
import random

import pytest
from whoosh.highlight import ContextFragmenter, highlight

from csti.search.excerpts import Highlighter
from csti.search.schema import french_analyzer
from csti.search.whoosh_backend import EXCERPT_CHARS, EXCERPT_FRAGMENTS, EXCERPT_SURROUND, MarkFormatter

ANALYZER = french_analyzer()

WORDS = ("atelier", "Ateliers", "ATELIER", "robotique", "robots", "Robot", "astronomie", "astronomique",
         "planètes", "Planète", "l’été", "été", "Été", "évènement", "événements", "Événement", "climat",
         "exposition", "Expositions", "fablab", "médiathèque", "musée", "sciences", "jeunes", "à", "de",
         "la", "les", "et", "pour", "des", "un", "œuvre", "Œuvres", "ça", "naïf", "Noël", "2026", "3D",
         "mi_temps", "co-construction", "l'énergie", "d’énergie", "<script>", "&amp;", "x" * 230,
         "anticonstitutionnellement", "électroencéphalographie", "IA", "Ça")
PUNCTUATION = (" ", " ", " ", " ", ", ", ". ", " — ", " « ", " » ", "… ", "\n\n", " ; ", " (", ") ", "\t", " / ",
               " ’ ", "  ")

PASTED = (
    # A paragraph pasted from Word: curly quotes, non-breaking spaces, a bullet, an en dash.
    "« Les ateliers de robotique » reprennent\u00a0: • lundi 14 h – 17 h au fablab, "
    "pour les 8–12 ans. L’atelier robotique du mercredi est complet ; inscrivez-vous "
    "sur la liste d’attente. Robots, capteurs & programmation : tout est fourni.",
    "Exposition « Climat : l'expo à 360° » — du 3 au 28 mars. Visites guidées pour les "
    "scolaires (cycle 3), conférences sur le climat, ateliers de sciences participatives.",
    "<p>Soirée d'observation astronomique</p> <b>gratuite</b> & ouverte à tous : "
    "planètes, nébuleuses… apportez vos jumelles !",
)


@pytest.fixture(autouse=True)
def whoosh_only(search_backend):
    if search_backend.name != "whoosh":
        pytest.skip("compares the Whoosh backend's excerpts with Whoosh's highlighter")


def whoosh(text, terms, **settings):
    maxchars = settings.get("maxchars", EXCERPT_CHARS)
    surround = settings.get("surround", EXCERPT_SURROUND)
    fragmenter = ContextFragmenter(maxchars=maxchars, surround=surround,
                                   **({"charlimit": settings["charlimit"]} if "charlimit" in settings else {}))
    return highlight(text, terms, ANALYZER, fragmenter, MarkFormatter(), top=settings.get("top", EXCERPT_FRAGMENTS))


def ours(text, terms, **settings):
    return Highlighter(ANALYZER, maxchars=settings.get("maxchars", EXCERPT_CHARS),
                       surround=settings.get("surround", EXCERPT_SURROUND),
                       top=settings.get("top", EXCERPT_FRAGMENTS), between=MarkFormatter().between,
                       **({"charlimit": settings["charlimit"]} if "charlimit" in settings else {}))(text, terms)


def stems(*words):
    return {token.text for word in words for token in ANALYZER(word)}


def generated(rng, length):
    return "".join(rng.choice(WORDS) + rng.choice(PUNCTUATION) for _ in range(length))


@pytest.mark.parametrize("text", PASTED)
@pytest.mark.parametrize("query", [("atelier", "robotique"), ("climat",), ("astronomie", "planète"),
                                   ("sciences", "ateliers", "climat"), ("absent",)])
def test_pasted_text_is_highlighted_as_whoosh_does(text, query):
    terms = stems(*query)
    assert ours(text, terms) == whoosh(text, terms)


def test_pasted_texts_have_matches():
    """The comparison above is about something: each pasted text has its words marked."""
    for text, query in zip(PASTED, (("atelier", "robotique"), ("climat",), ("astronomie", "planète")), strict=True):
        assert whoosh(text, stems(*query)).count("<mark>") >= 2


@pytest.mark.parametrize("settings", [
    {},  # the search page's
    {"maxchars": 60, "surround": 15, "top": 3},
    {"maxchars": 40, "surround": 40, "top": 1},
    {"maxchars": 300, "surround": 5, "top": 4},
    {"charlimit": 250},  # the fragmenter stops at the word crossing the limit
    {"charlimit": 0},  # no limit, as Whoosh reads it
])
def test_generated_text_is_highlighted_as_whoosh_does(settings):
    rng = random.Random(20261206 + len(settings))
    marked = several = 0
    for _ in range(250):
        text = generated(rng, rng.choice((0, 1, 5, 30, 80, 160)))
        terms = stems(*rng.sample(WORDS, rng.choice((1, 2, 3))))
        expected = whoosh(text, terms, **settings)
        assert ours(text, terms, **settings) == expected, (text, terms)
        marked += "<mark>" in expected
        several += expected.count("<mark>") > 1
    assert marked > 80 and several > 25, (marked, several)  # many texts with matches, several with more than one


def test_what_whoosh_leaves_unmarked_is_an_empty_excerpt():
    assert ours("", stems("atelier")) == whoosh("", stems("atelier")) == ""
    assert ours("Une exposition sur le climat.", stems("robotique")) == ""


def test_text_is_escaped_and_marks_are_the_only_markup():
    text = "<script>alert(1)</script> atelier & robots"
    out = ours(text, stems("atelier"))
    assert out == whoosh(text, stems("atelier"))
    # The passage starts at the first word within reach (as Whoosh's does): "script", not "<".
    assert out == "script&gt;alert(1)&lt;/script&gt; <mark>atelier</mark> &amp; robots"


def test_a_word_that_does_not_stem_alone_is_left_to_whoosh(search_backend):
    """The backend falls back to Whoosh's highlighter when the fast one cannot vouch for a word
    (an analyzer giving no token or several for it): the same excerpt either way."""
    text = PASTED[0]
    terms = stems("atelier", "robotique")
    fast = search_backend._excerpt(text, terms)
    search_backend.highlighter.stem = lambda word: None
    assert search_backend.highlighter(text, terms) is None
    assert search_backend._excerpt(text, terms) == fast == whoosh(text, terms)
    assert "<mark>" in fast

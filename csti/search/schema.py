"""One Whoosh schema for every kind, with French analysis: "evenement", "évènement" and
"Événements" meet; "astronomie" finds "astronomique"; short words such as "été" are kept (no
stop list in the index; queries drop a few function words, see ``base.STOP_WORDS``)."""
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

# Bumped whenever the fields change: an index of another version is set aside (empty index,
# `flask csti reindex` fills it) rather than failing every write.
SCHEMA_VERSION = 2


# A word: letters and digits (the tokenizer's pattern, and the excerpts', see ``excerpts``).
WORD = r"[^\W_]+"


def folding_analyzer():
    """Words, lower case, without accents — not stemmed (vocabulary, as-you-type prefixes)."""
    return RegexTokenizer(WORD) | LowercaseFilter() | CharsetFilter(accent_map)


def french_analyzer():
    return folding_analyzer() | StemFilter(lang="fr", cachesize=100_000)


# Field weights are applied at query time (whoosh_backend.BOOSTS): an index-time field_boost
# only multiplies the term frequency, which BM25 saturates, so a body repeating a word would
# catch up with a title.


def build_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        status=ID(),
        territory=ID(stored=True),
        tags=KEYWORD(commas=True, scorable=False),
        subkind=ID(),  # structure kind, event kind, article kind…
        title=TEXT(analyzer=analyzer, stored=True),
        summary=TEXT(analyzer=analyzer),
        tag_text=TEXT(analyzer=analyzer),
        body=TEXT(analyzer=analyzer),
        spell=TEXT(analyzer=folding_analyzer()),  # words of title and summary, unstemmed
        published=DATETIME(sortable=True),
        starts=DATETIME(),  # events: the first date
        ends=DATETIME(sortable=True),  # events: the end of the last date (a column: "upcoming")
        fingerprint=STORED(),
        data=STORED(),  # slug, starts, excerpt (the text the highlighted excerpt is cut from)
    )

"""One Whoosh schema for every kind, with French analysis: "evenement", "évènement" and
"Événements" meet; "astronomie" finds "astronomique"; short words such as "été" are kept (no
stop list in the index; queries drop a few function words, see ``base.STOP_WORDS``)."""
from whoosh import columns
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

# Bumped whenever the fields change: an index of another version is set aside (empty index,
# `flask csti reindex` fills it) rather than failing every write.
SCHEMA_VERSION = 2


def folding_analyzer():
    """Words, lower case, without accents — not stemmed (vocabulary, as-you-type prefixes)."""
    return RegexTokenizer(r"[^\W_]+") | LowercaseFilter() | CharsetFilter(accent_map)


def french_analyzer():
    return folding_analyzer() | StemFilter(lang="fr", cachesize=100_000)


def build_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        status=ID(),
        territory=ID(stored=True, sortable=True),
        tags=KEYWORD(commas=True, scorable=False),
        tags_column=COLUMN(columns.VarBytesColumn()),  # "slug,slug": the tag facet reads it
        subkind=ID(sortable=True),  # structure kind, event kind, article kind…
        title=TEXT(analyzer=analyzer, field_boost=4.0, stored=True),
        summary=TEXT(analyzer=analyzer, field_boost=2.0),
        tag_text=TEXT(analyzer=analyzer, field_boost=2.0),
        body=TEXT(analyzer=analyzer),
        spell=TEXT(analyzer=folding_analyzer()),  # words of title and summary, unstemmed
        published=DATETIME(sortable=True),
        starts=DATETIME(sortable=True),  # events: the first date
        ends=DATETIME(sortable=True),  # events: the end of the last date
        fingerprint=STORED(),
        data=STORED(),  # slug, starts, excerpt (the text the highlighted excerpt is cut from)
    )

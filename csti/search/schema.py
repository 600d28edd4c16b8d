"""One Whoosh schema for every kind, with French analysis: "evenement", "évènement" and
"Événements" meet; "astronomie" finds "astronomique"; short words such as "été" are kept."""
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map


def french_analyzer():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StemFilter(lang="fr")


def build_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        territory=ID(stored=True),
        tags=KEYWORD(commas=True, lowercase=True, scorable=False),
        subkind=ID(),  # structure kind, event kind, article kind
        title=TEXT(analyzer=analyzer, field_boost=4.0, stored=True, spelling=True),
        summary=TEXT(analyzer=analyzer, field_boost=2.0),
        body=TEXT(analyzer=analyzer),
        published=DATETIME(sortable=True),
        starts=DATETIME(),  # events: the next date
        ends=DATETIME(),
        year=NUMERIC(),
        data=STORED(),
    )

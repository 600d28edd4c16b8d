"""Text helpers: accent folding and slugs (tags, URLs)."""
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Événements' -> 'evenements'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("œ", "oe").replace("æ", "ae").replace("Œ", "oe").replace("Æ", "ae").lower()


def slugify(text: str, max_length: int = 80) -> str:
    slug = _NON_ALNUM.sub("-", fold(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


# Control characters (C0 but tab and newline, DEL, C1), lone surrogates and the two
# non-characters XML forbids: nothing a person types means them, XML 1.0 and iCalendar (RFC 5545)
# refuse most, and text pasted from Word or a PDF brings them (vertical tab, form feed…).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile("\r\n?")


def clean_text(text: str) -> str:
    """``text`` without control characters: tab and newline stay, ``\\r\\n`` and ``\\r`` become
    ``\\n``; typographic characters (non-breaking spaces, quotes, dashes) are kept."""
    if not text:
        return text
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text))


# --- French elision ---------------------------------------------------------------------------
# "de", "le", "la", "que" before a name that starts with a vowel: "d’Occitanie", "l’Hérault"
# (the h of names is left alone: "de Haute-Garonne" keeps its h aspiré).
_VOWEL = re.compile(r"[AEIOUÀÂÄÆÉÈÊËÎÏÔŒÙÛÜaeiouàâäæéèêëîïôœùûü]")
_ELIDED = {"de": "d’", "le": "l’", "la": "l’", "que": "qu’"}


def elide(text: str, *names: str) -> str:
    """French elision in a message already translated and filled in: "de Occitanie" becomes
    "d’Occitanie" (and le, la, que likewise) where a word to elide stands just before one of
    ``names`` — the values put in the message — that starts with a vowel. The translation keeps
    its plain "de %(territory)s"; a message in another language has no such word, and a name
    starting with a consonant is left as it is ("de Bretagne")."""
    for name in {str(n) for n in names if n}:
        if not _VOWEL.match(name):
            continue
        pattern = re.compile(r"(?<![\w’'])(de|le|la|que) (?=" + re.escape(name) + ")", re.IGNORECASE)

        def shorten(match):
            word = match.group(1)
            short = _ELIDED[word.lower()]
            return (short[0].upper() + short[1:]) if word[0].isupper() else short

        text = pattern.sub(shorten, text)
    return text


def deleted_note(note: str) -> tuple[str, str]:
    """(title, reason) of a deletion's notification note (``moderation.take_down`` writes the
    deleted item's title, a newline, the reason). Here, not in moderation.py, so that the mails
    read it without importing what moderation imports."""
    title, _sep, reason = (note or "").partition("\n")
    return title, reason

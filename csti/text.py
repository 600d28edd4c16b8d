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

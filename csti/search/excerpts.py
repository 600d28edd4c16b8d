"""A search hit's highlighted excerpt — what Whoosh's ``highlight()`` makes with a
``ContextFragmenter``, a basic fragment scorer and fragments in text order, character for
character, at a fraction of its cost.

Whoosh runs the whole analyzer (tokenizer, lower case, accent folding, stemmer: a chain of
generators and a ``Token`` object per word) over each excerpt, then its fragmenter: 0.4 ms a
hit, 9 of the 33 ms of a search page of 20 hits at national scale. Here the words are found
with the tokenizer's own pattern (``schema.WORD``, one regular expression in C), each distinct
word is stemmed once per process (the analyzer itself, on the word alone — the filters work
word by word, so a word stems alone as it does in its sentence) and the fragmenter's loop is
Whoosh's, on plain tuples. ``tests/search/test_excerpts.py`` compares the two on generated and
pasted texts.
"""
from __future__ import annotations

import re
from collections import deque
from heapq import nlargest

from whoosh.compat import htmlescape
from whoosh.highlight import DEFAULT_CHARLIMIT

from .schema import WORD

STEMS_KEPT = 50_000  # distinct words remembered with their stem (a few MB at most)


class Highlighter:
    def __init__(self, analyzer, maxchars: int = 200, surround: int = 70, top: int = 2, between: str = " … ",
                 charlimit: int = DEFAULT_CHARLIMIT):
        self.analyzer = analyzer
        self.maxchars, self.surround, self.top, self.between = maxchars, surround, top, between
        self.charlimit = charlimit
        self._words = re.compile(WORD)
        self._stems: dict[str, str | None] = {}

    def stem(self, word: str) -> str | None:
        """The analyzer's one token for ``word`` (None if it gave none or several: then the
        caller falls back to Whoosh's highlighter)."""
        stems = self._stems
        found = stems.get(word, False)
        if found is False:
            tokens = [t.text for t in self.analyzer(word)]
            found = tokens[0] if len(tokens) == 1 else None
            if len(stems) >= STEMS_KEPT:
                stems.clear()
            stems[word] = found
        return found

    def tokens(self, text: str, terms: frozenset) -> list[tuple[int, int, str | None]] | None:
        """(start, end, matched stem or None) of each word up to the character limit; None when
        a word did not stem to exactly one token."""
        out = []
        stem = self.stem
        for match in self._words.finditer(text):
            start, end = match.span()
            found = stem(match.group())
            if found is None:
                return None
            out.append((start, end, found if found in terms else None))
            if self.charlimit and end > self.charlimit:
                break  # Whoosh's fragmenter stops at (and ends its last fragment with) this word
        return out

    def fragments(self, tokens):
        """Whoosh's ``ContextFragmenter.fragment_tokens``: (start, end, matches) of each
        fragment — matched words with up to ``surround`` characters around them, at most
        ``maxchars`` long. Its quirks are kept (a fragment without matches when the countdown
        ends exactly on a word: it scores 0 and is never shown)."""
        maxchars, surround, charlimit = self.maxchars, self.surround, self.charlimit
        first = None
        firsts: deque = deque()
        countdown = -1
        matches: list = []
        endchar = None
        currentlen = 0
        for token in tokens:
            startchar, endchar, stem = token
            tlength = endchar - startchar
            if charlimit and endchar > charlimit:
                break
            if countdown < 0 and stem is None:
                firsts.append(startchar)
                while firsts and endchar - firsts[0] > surround:
                    firsts.popleft()
            elif currentlen + tlength > maxchars:
                countdown = 0
            elif stem is not None:
                countdown = surround
                if first is None:
                    if firsts:
                        first = firsts[0]
                    else:
                        first = startchar
                        countdown += surround
                matches.append(token)
            if countdown >= 0:
                currentlen += tlength
                countdown -= tlength
                if countdown <= 0:
                    yield self._fragment(first, endchar, matches)
                    matches, firsts, first, currentlen = [], deque(), None, 0
        if matches:
            yield self._fragment(first, endchar, matches)

    @staticmethod
    def _fragment(first, endchar, matches):
        if first is None:
            first = matches[0][0] if matches else 0
        return max(0, first), endchar, matches

    def __call__(self, text: str, terms) -> str | None:
        """The excerpt's HTML (words escaped, matches in <mark>, fragments joined by
        ``between``; "" when nothing matched), or None when it must be left to Whoosh."""
        terms = frozenset(terms)
        tokens = self.tokens(text, terms)
        if tokens is None:
            return None
        if not any(stem is not None for _s, _e, stem in tokens):
            return ""
        # Whoosh's BasicFragmentScorer (every boost 1), its ``top_fragments`` (the best ``top``,
        # ties to the later fragment, at least 1) and FIRST order.
        scored = ((len(matches) * (len({m[2] for m in matches}) * 100 or 1), start, end, matches)
                  for start, end, matches in self.fragments(tokens))
        best = sorted((f for f in nlargest(self.top, scored, key=lambda f: (f[0], f[1])) if f[0] >= 1),
                      key=lambda f: f[1])
        return self.between.join(self._format(text, start, end, matches) for _score, start, end, matches in best)

    @staticmethod
    def _format(text: str, start: int, end: int, matches) -> str:
        """Whoosh's ``Formatter.format_fragment`` with our ``MarkFormatter``'s tokens."""
        out = []
        index = start
        for s, e, _stem in sorted(matches, key=lambda m: (m[0], -(m[1] - m[0]))):
            if s < index:
                continue
            if s > index:
                out.append(htmlescape(text[index:s], quote=False))
            out.append(f"<mark>{htmlescape(text[s:e], quote=False)}</mark>")
            index = e
        out.append(htmlescape(text[index:end], quote=False))
        return "".join(out)

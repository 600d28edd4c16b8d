"""The XSS corpus (issue #19's hardening suite) and the checks that what a page, a feed or an
e-mail shows of it stayed inert.

Every payload sets ``window.__xss`` (the browser check, ``tests/browser/test_xss.py``, watches
it) and carries the word ``zorglub`` (to search for it). ``{{7*7}}`` is wrapped in markers so
that a template evaluating it would show ``XSS49XSS``.
"""
from __future__ import annotations

import json
import re

from lxml import etree
from lxml import html as lxml_html

MARK = "zorglub"
SSTI = "XSS{{7*7}}XSS"
EVALUATED = "XSS49XSS"

# One payload a line of a textarea; the whole list in every long text field.
CORPUS = [
    f"{MARK} <script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<img src=x onerror=alert(1)><body onload=confirm(1)>",
    '<svg onload="window.__xss=1"><circle r="1"/></svg>',
    "<svg><script>window.__xss=1</script></svg>",
    '<a href="javascript:window.__xss=1">clic</a>',
    "[markdown link](javascript:window.__xss=1)",
    "[encoded](jav&#x61;script:window.__xss=1)",
    "[spaced]( javascript:window.__xss=1 )",
    "![image](javascript:window.__xss=1)",
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "![data image](data:text/html,<script>window.__xss=1</script>)",
    '<a href="vbscript:window.__xss=1">vb</a>',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<object data="javascript:window.__xss=1"></object><embed src="javascript:window.__xss=1">',
    '<style>body{background:url("javascript:window.__xss=1")}</style>',
    '<p style="width:expression(window.__xss=1)">css</p>',
    '<form action="javascript:window.__xss=1"><button>go</button></form>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
    '<base href="javascript:window.__xss=1//">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
    '</textarea><script>window.__xss=1</script>',
    '</title><script>window.__xss=1</script>',
    '"><img src=x onerror=window.__xss=1>',
    "'><img src=x onerror=window.__xss=1>",
    '" onmouseover="window.__xss=1" x="',
    "</script><script>window.__xss=1</script>",
    "]]><script>window.__xss=1</script>",
    '<div hx-on:load="window.__xss=1" hx-get="/logout" hx-trigger="load">htmx</div>',
    '<a data-hx-on-click="window.__xss=1" hx-vals=\'js:{a: window.__xss=1}\'>htmx data</a>',
    "[colon](javascript&colon;window.__xss=1)",
    SSTI,
    "{% raw %}{{ config }}{% endraw %} ${7*7} #{7*7}",
    "&lt;script&gt;window.__xss=1&lt;/script&gt; &amp;lt;b&amp;gt;",
    "<scr\u0000ipt>window.__xss=1</scr\u0000ipt> \u202egnp.exe \ufeff\u200b",
    "\uff1cscript\uff1ewindow.__xss=1\uff1c/script\uff1e",
    "<<script>script>window.__xss=1<</script>/script>",
    '<a href="&#106;avascript:window.__xss=1">entities</a>',
    '<img src="x" onerror\t=\t"window.__xss=1">',
    "Texte collé de Word\u00a0: \u201cguillemets\u201d \u2013 tiret\x0b\x0c\x08 fin\r\n<o:p></o:p>"
    '<span style="mso-bidi-font-family:Calibri">mso</span>',
]
FULL = "\n\n".join(CORPUS)
# For one-line fields (titles, names…): the most telling payloads, short enough for any length.
SHORT = f'{MARK} "><img src=x onerror=window.__xss=1><script>window.__xss=1</script>{SSTI}'
# For tag fields (comma-separated names of at most 50 characters).
TAGS = f'{MARK}<img src=x onerror=window.__xss=1>, "><script>window.__xss=1</script>, {SSTI}'
# For link fields (websites…): the form must refuse it or the page must not link to it.
URL = "javascript:window.__xss=1//https://example.org"

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset"}
_DANGEROUS_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data\s*:\s*text/html)", re.I)
_NEVER = {"iframe", "object", "embed", "base", "applet", "frame", "frameset"}


def own_script(element, site_scripts: tuple[str, ...]) -> bool:
    """A <script> of the site's: a file of its own or of a configured CDN, or JSON data."""
    src = element.get("src")
    if src:
        return src.startswith("/static/") or src.startswith(site_scripts)
    kind = (element.get("type") or "").lower()
    if kind not in ("application/json", "application/ld+json"):
        return False
    try:  # data, never run: still JSON (a payload breaking out of it would end it early)
        json.loads(element.text or "")
    except ValueError:
        return False
    return True


def live_parts(markup: str | bytes, site_scripts: tuple[str, ...] = ()) -> list[str]:
    """What the payloads would have made live in an HTML page or fragment: an empty list when
    everything is inert."""
    if isinstance(markup, bytes):
        markup = markup.decode("utf-8", "replace")
    if not markup.strip():
        return []
    found = []
    if EVALUATED in markup:
        found.append(f"template evaluated: {EVALUATED}")
    root = lxml_html.document_fromstring(markup) if "<html" in markup[:500].lower() \
        else lxml_html.fragment_fromstring(markup, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rpartition("}")[2]
        snippet = etree.tostring(element, encoding="unicode", with_tail=False)[:160]
        if tag == "script" and not own_script(element, site_scripts):
            found.append(f"script: {snippet}")
        if tag in _NEVER:
            found.append(f"<{tag}>: {snippet}")
        if tag == "style" and "__xss" in (element.text or ""):
            found.append(f"style: {snippet}")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh" and "__xss" in (element.get("content") or ""):
            found.append(f"meta refresh: {snippet}")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"{name}= on <{tag}>: {snippet}")
            elif name in _URL_ATTRIBUTES and _DANGEROUS_SCHEMES.match(value or ""):
                found.append(f"{name}={value!r} on <{tag}>")
            elif name.removeprefix("data-").startswith("hx-") and (
                    name.removeprefix("data-").startswith("hx-on") or "__xss" in value or "/logout" in value):
                found.append(f"htmx attribute {name}={value!r} on <{tag}>")
            elif name == "style" and "__xss" in value:
                found.append(f"style attribute on <{tag}>: {snippet}")
    return found


def feed_live_parts(body: bytes) -> list[str]:
    """An Atom feed: well-formed XML, its HTML texts (``type="html"``) inert once unescaped."""
    root = etree.fromstring(body)
    found = [f"template evaluated: {EVALUATED}"] if EVALUATED.encode() in body else []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = element.tag.rpartition("}")[2]
        if local in ("script", "iframe", "object", "embed") or any(a.lower().startswith("on") for a in element.attrib):
            found.append(f"XML element made of the payload: {etree.tostring(element)[:120]!r}")
        if element.get("type") in ("html", "xhtml") and element.text:
            found += [f"<{local}> {part}" for part in live_parts(element.text)]
    return found


def json_live_parts(body: bytes) -> list[str]:
    """A JSON answer: valid JSON, its HTML strings (keys ending in ``html``) inert."""
    data = json.loads(body)
    found = [f"template evaluated: {EVALUATED}"] if EVALUATED.encode() in body else []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key.lower().endswith("html"):
            found.extend(f"{key}: {part}" for part in live_parts(value))

    walk(data)
    return found

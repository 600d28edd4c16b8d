"""Configuration classes. Every value comes from a ``CSTI_*`` environment variable.

``create_app()`` picks the class named by ``CSTI_ENV`` (default, test, production) and the
secret key is generated into ``instance/secret_key`` on first run when ``CSTI_SECRET_KEY``
is unset, so it is never committed.
"""
import os
from pathlib import Path

HTMX_VERSION = "2.0.11"
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
LEAFLET_VERSION = "1.9.4"
MARKERCLUSTER_VERSION = "1.5.3"
CDN = "https://cdn.jsdelivr.net/npm"
# (URL setting, SRI setting, default URL, sha384 of the npm package's file)
MAP_ASSETS = [
    ("LEAFLET_JS_URL", "LEAFLET_JS_SRI", f"{CDN}/leaflet@{LEAFLET_VERSION}/dist/leaflet.js",
     "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH"),
    ("LEAFLET_CSS_URL", "LEAFLET_CSS_SRI", f"{CDN}/leaflet@{LEAFLET_VERSION}/dist/leaflet.css",
     "sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H"),
    ("MARKERCLUSTER_JS_URL", "MARKERCLUSTER_JS_SRI",
     f"{CDN}/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/leaflet.markercluster.js",
     "sha384-eXVCORTRlv4FUUgS/xmOyr66XBVraen8ATNLMESp92FKXLAMiKkerixTiBvXriZr"),
    ("MARKERCLUSTER_CSS_URL", "MARKERCLUSTER_CSS_SRI",
     f"{CDN}/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/MarkerCluster.css",
     "sha384-pmjIAcz2bAn0xukfxADbZIb3t8oRT9Sv0rvO+BR5Csr6Dhqq+nZs59P0pPKQJkEV"),
    ("MARKERCLUSTER_DEFAULT_CSS_URL", "MARKERCLUSTER_DEFAULT_CSS_SRI",
     f"{CDN}/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/MarkerCluster.Default.css",
     "sha384-wgw+aLYNQ7dlhK47ZPK7FRACiq7ROZwgFNg0m04avm4CaXS+Z9Y7nMu8yNjBKYC+"),
]


def env_file() -> Path:
    """The settings file every entry point reads: ``CSTI_ENV_FILE``, else ``.env`` beside this file."""
    return Path(os.environ.get("CSTI_ENV_FILE") or Path(__file__).resolve().with_name(".env"))


def load_env_file() -> Path | None:
    """Read ``env_file()`` into the environment (python-dotenv); a variable already set in the real
    environment wins. Called by wsgi.py (so by ``flask`` with FLASK_APP=wsgi and by gunicorn) and
    gunicorn.conf.py — never by the tests, which build their app with ``create_app``."""
    path = env_file()
    if not path.is_file():
        if os.environ.get("CSTI_ENV_FILE"):
            raise RuntimeError(f"CSTI_ENV_FILE={os.environ['CSTI_ENV_FILE']!r}: no such file")
        return None
    from dotenv import load_dotenv

    load_dotenv(path, override=False)
    return path


def env(name, default=None):
    return os.environ.get(f"CSTI_{name}", default)


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = env(name)
    return int(value) if value not in (None, "") else default


def env_list(name):
    """A comma-separated list; None when unset or empty, and for "*" (anything)."""
    value = (env(name) or "").strip()
    if not value or value == "*":
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


PROXY_FIX_KEYS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def parse_proxy_fix(value) -> dict | None:
    """``CSTI_PROXY_FIX``: how many proxies to trust for each ``X-Forwarded-*`` header, given to
    werkzeug's ProxyFix. Empty or "0": off. A number N: N proxies for ``X-Forwarded-For`` and
    ``X-Forwarded-Proto``. Or keys: "x_for=1,x_proto=1,x_host=0" (also x_port, x_prefix)."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "0", "off", "no", "false"):
        return None
    if text.isdigit():
        return {"x_for": int(text), "x_proto": int(text)}
    counts = {}
    for part in text.replace(";", ",").split(","):
        key, sep, number = (p.strip() for p in part.partition("="))
        if not key and not sep:
            continue
        if key not in PROXY_FIX_KEYS or not number.isdigit():
            raise ValueError(f"CSTI_PROXY_FIX={value!r}: expected a number of proxies or "
                             f"key=number pairs with keys among {', '.join(PROXY_FIX_KEYS)}")
        counts[key] = int(number)
    return counts if any(counts.values()) else None


class Config:
    ENV_NAME = "default"
    TESTING = False

    def __init__(self):
        self.SECRET_KEY = env("SECRET_KEY")  # None: generated into instance/ by create_app
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL")  # None: SQLite in instance/
        # LIFO: a request takes the connection the last one used, whose statements PostgreSQL
        # keeps prepared (csti/database.py end_reading); FIFO spread them over every pooled one.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_use_lifo": True}
        self.SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 30000)
        # The benchmark's X-Query-Count response header (csti/querycount.py); off in production.
        self.COUNT_QUERIES = env_bool("COUNT_QUERIES")
        # Pages rendered for anonymous visitors, kept in each worker's memory (csti/pagecache.py):
        # its size (0 = off) and the longest a page is kept when no write makes it out of date.
        self.PAGE_CACHE_MB = env_int("PAGE_CACHE_MB", 8)
        self.PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
        # Figures every visitor sees alike (list totals, facets, home sections), kept per worker
        # until a write (csti/datacache.py); off only to count every statement (tests).
        self.DATA_CACHE = env_bool("DATA_CACHE", True)
        # Cards and agenda lines rendered once per item and language, kept per worker until a
        # write (csti/fragments.py): each worker's memory for them (0 = off; off with DATA_CACHE).
        self.FRAGMENT_CACHE_MB = env_int("FRAGMENT_CACHE_MB", 4)
        # Logs: "json" (one object per line) or "text"; unset: json in production, text elsewhere.
        self.LOG_FORMAT = env("LOG_FORMAT")
        # /healthz?deep=1 fails when a data directory has less free space than this (megabytes).
        self.HEALTH_MIN_FREE_MB = env_int("HEALTH_MIN_FREE_MB", 200)
        self.REDIS_URL = env("REDIS_URL")  # shared counters (rate limits) when set
        self.REDIS_PREFIX = env("REDIS_PREFIX", "csti:")  # before every key: sites sharing one Redis
        self.UPLOAD_DIR = env("UPLOAD_DIR")  # None: instance/uploads
        # Uploaded images (csti/storage.py): "local" (UPLOAD_DIR; a shared mount for several app
        # servers) or "s3" (a bucket of S3-compatible storage: AWS, MinIO, Garage, Scaleway…).
        self.STORAGE = (env("STORAGE") or "local").strip().lower()
        self.S3_BUCKET = env("S3_BUCKET")
        self.S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")  # e.g. https://s3.fr-par.scw.cloud
        self.S3_REGION = env("S3_REGION")
        self.S3_ACCESS_KEY = env("S3_ACCESS_KEY")
        self.S3_SECRET_KEY = env("S3_SECRET_KEY")
        self.S3_PREFIX = env("S3_PREFIX", "")  # before every object's name, e.g. "csti/"
        # Where the bucket can be read by anybody (a public bucket, a CDN): pages link there;
        # unset, /media/ reads each image from the bucket and sends it.
        self.S3_PUBLIC_URL = env("S3_PUBLIC_URL")
        # Seconds a request to the bucket may wait for an answer (connecting: 3 at most), one retry.
        self.S3_TIMEOUT = env("S3_TIMEOUT", "10")
        self.SEARCH_DIR = env("SEARCH_DIR")  # None: instance/search
        self.BACKUP_DIR = env("BACKUP_DIR")  # `flask csti backup`'s archives; None: instance/backups
        # A newsletter to this many recipients or fewer is sent right after the "Send" answer;
        # bigger ones (and what a mail server refused) by `flask csti send-newsletters` (cron). 0: cron only.
        self.NEWSLETTER_SEND_NOW_MAX = env_int("NEWSLETTER_SEND_NOW_MAX", 50)
        # Whoosh: postings of recently searched words kept per worker as arrays (megabytes).
        self.SEARCH_CACHE_MB = env_int("SEARCH_CACHE_MB", 8)
        # iCalendar feeds: written VEVENTs kept per worker (megabytes).
        self.ICAL_CACHE_MB = env_int("ICAL_CACHE_MB", 4)
        # Linked instances (`flask csti sync run`): how long a source may take to answer
        # (seconds), how much it may send, how many items one feed may hold.
        self.SYNC_TIMEOUT = env_int("SYNC_TIMEOUT", 20)
        self.SYNC_MAX_BYTES = env_int("SYNC_MAX_BYTES", 10 * 1024 * 1024)
        self.SYNC_MAX_ITEMS = env_int("SYNC_MAX_ITEMS", 5000)
        # "whoosh" (embedded index in SEARCH_DIR) or "postgres" (full-text search in the
        # database: for several app servers; needs CSTI_DATABASE_URL on PostgreSQL).
        self.SEARCH_BACKEND = (env("SEARCH_BACKEND") or "whoosh").strip().lower()
        self.SITE_NAME = env("SITE_NAME", "csti")
        # The site's public host name (and port), e.g. "csti.example.org": every absolute URL
        # (mails, feeds, exports) is built from it and CSTI_URL_SCHEME, never from the request's
        # Host. Required in production; unset elsewhere, links follow the request.
        self.SERVER_NAME = env("SERVER_NAME") or None
        self.PREFERRED_URL_SCHEME = env("URL_SCHEME", "http")
        # Host headers accepted (others get 400); "*" accepts any. Default: SERVER_NAME's host.
        self.TRUSTED_HOSTS = env_list("TRUSTED_HOSTS")
        self.TRUST_ANY_HOST = (env("TRUSTED_HOSTS") or "").strip() == "*"
        # Behind a reverse proxy: see parse_proxy_fix. Off by default (X-Forwarded-* ignored).
        self.PROXY_FIX = env("PROXY_FIX", "")

        # Third-party assets from a pinned CDN, with their SRI hash; an instance may
        # serve its own copy by changing the URL (and keeping the hash).
        self.HTMX_URL = env(
            "HTMX_URL", f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
        )
        self.HTMX_SRI = env("HTMX_SRI", HTMX_SRI)

        # Languages and time zone
        self.BABEL_DEFAULT_LOCALE = "fr"
        self.BABEL_DEFAULT_TIMEZONE = env("TIMEZONE", "Europe/Paris")
        self.LANGUAGES = ["fr", "en"]

        # Mail: printed on the console unless an SMTP server is configured.
        self.MAIL_SERVER = env("MAIL_SERVER")
        self.MAIL_BACKEND = env("MAIL_BACKEND", "smtp" if self.MAIL_SERVER else "console")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USERNAME = env("MAIL_USERNAME")
        self.MAIL_PASSWORD = env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL")
        self.MAIL_DEFAULT_SENDER = env("MAIL_SENDER", "csti <no-reply@localhost>")
        # Seconds each SMTP socket operation may wait (Flask-Mailman's MAIL_TIMEOUT): a hung server
        # never holds a worker or a newsletter sender for ever. The newsletter sender's lease on a
        # delivery (600 s, `send-newsletters --stale-after`) must stay far above it (10x at least).
        self.MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 30)

        # Accounts
        self.CONFIRM_TOKEN_MAX_AGE = env_int("CONFIRM_TOKEN_MAX_AGE", 3 * 24 * 3600)
        self.RESET_TOKEN_MAX_AGE = env_int("RESET_TOKEN_MAX_AGE", 3600)
        self.LOGIN_MAX_ATTEMPTS_ACCOUNT = env_int("LOGIN_MAX_ATTEMPTS_ACCOUNT", 5)
        self.LOGIN_MAX_ATTEMPTS_IP = env_int("LOGIN_MAX_ATTEMPTS_IP", 20)
        self.LOGIN_WINDOW_SECONDS = env_int("LOGIN_WINDOW_SECONDS", 15 * 60)
        # Past these many failures in the window on one account (from every IP) or on the
        # whole site, each further failure waits LOGIN_SLOWDOWN_MS before its answer.
        self.LOGIN_SLOWDOWN_ACCOUNT = env_int("LOGIN_SLOWDOWN_ACCOUNT", 20)
        self.LOGIN_SLOWDOWN_SITE = env_int("LOGIN_SLOWDOWN_SITE", 500)
        self.LOGIN_SLOWDOWN_SECONDS = env_int("LOGIN_SLOWDOWN_MS", 1000) / 1000
        self.SIGNUP_MAX_PER_IP = env_int("SIGNUP_MAX_PER_IP", 10)
        self.SIGNUP_WINDOW_SECONDS = env_int("SIGNUP_WINDOW_SECONDS", 3600)
        # Survey answers (/s/<token>): submissions per IP and survey, and per IP on all surveys,
        # within the window (a classroom or a venue's Wi-Fi shares one IP: an audience of a hundred
        # answers within minutes); a form sent sooner than
        # SURVEY_MIN_FILL_SECONDS after it was opened is refused (a robot).
        self.SURVEY_ANSWERS_PER_IP = env_int("SURVEY_ANSWERS_PER_IP", 100)
        self.SURVEY_ANSWERS_PER_IP_ALL = env_int("SURVEY_ANSWERS_PER_IP_ALL", 300)
        self.SURVEY_ANSWER_WINDOW_SECONDS = env_int("SURVEY_ANSWER_WINDOW_SECONDS", 600)
        self.SURVEY_MIN_FILL_SECONDS = env_int("SURVEY_MIN_FILL_SECONDS", 2)
        # The read-only API (/api/v1, csti/apikeys.py): requests per API_RATE_WINDOW seconds from
        # one IP address without a key, and with one API key (members create keys on their account).
        self.API_RATE_ANON = env_int("API_RATE_ANON", 60)
        self.API_RATE_KEY = env_int("API_RATE_KEY", 600)
        self.API_RATE_WINDOW = env_int("API_RATE_WINDOW", 60)
        self.REMEMBER_COOKIE_DURATION = env_int("REMEMBER_DAYS", 30) * 24 * 3600
        # Spam signals (csti/sanctions.py): the posts of a new member — an account younger than
        # NEW_MEMBER_DAYS or with fewer than NEW_MEMBER_MIN_PUBLISHED published items — wait for
        # review, even where they may publish, when a first post carries a link, a post more than
        # SPAM_MAX_LINKS links, or when it is the (SPAM_BURST_MAX + 1)th item within the hour.
        self.NEW_MEMBER_DAYS = env_int("NEW_MEMBER_DAYS", 7)
        self.NEW_MEMBER_MIN_PUBLISHED = env_int("NEW_MEMBER_MIN_PUBLISHED", 3)
        self.SPAM_MAX_LINKS = env_int("SPAM_MAX_LINKS", 2)
        self.SPAM_BURST_MAX = env_int("SPAM_BURST_MAX", 10)
        # The longest suspension an animator may give (admins: any, and bans).
        self.ANIMATOR_MAX_SUSPENSION_DAYS = env_int("ANIMATOR_MAX_SUSPENSION_DAYS", 30)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"

        # Uploads: a whole request may be larger than one image so that an oversized
        # file gets a message next to its field rather than a bare 413.
        self.IMAGE_MAX_BYTES = env_int("IMAGE_MAX_MB", 5) * 1024 * 1024
        # Documents attached to content (PDF, office files): kept in DOCUMENT_DIR (None:
        # instance/documents), outside the public UPLOAD_DIR, and served only to those who
        # may see their item; MAX_DOCUMENT_MB per file, MAX_DOCUMENT_UNPACKED_MB for what an
        # office file (a zip) says it holds once unpacked (a zip bomb is refused).
        self.DOCUMENT_DIR = env("DOCUMENT_DIR")
        document_mb = env_int("MAX_DOCUMENT_MB", 20)
        self.DOCUMENT_MAX_BYTES = document_mb * 1024 * 1024
        self.DOCUMENT_MAX_UNPACKED_BYTES = env_int("MAX_DOCUMENT_UNPACKED_MB", 200) * 1024 * 1024
        # A whole request larger than this is refused (413) before it is read.
        self.MAX_CONTENT_LENGTH = env_int("MAX_REQUEST_MB", max(32, document_mb + 4)) * 1024 * 1024
        self.MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

        # Cookies
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

        # Map: Leaflet and its marker clustering from the same pinned CDN, with SRI.
        for url_key, sri_key, url, sri in MAP_ASSETS:
            setattr(self, url_key, env(url_key.removesuffix("_URL") + "_URL", url))
            setattr(self, sri_key, env(sri_key, sri))
        self.GEOCODER_URL = env("GEOCODER_URL")  # Nominatim-compatible search endpoint; off when unset
        self.TILE_URL = env("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        self.TILE_ATTRIBUTION = env(
            "TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        )


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True

    def __init__(self):
        super().__init__()
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL")
        self.MAIL_BACKEND = "locmem"
        self.PAGE_CACHE_MB = 0  # tests see every request rendered (tests/test_pagecache.py turns it on)
        self.SURVEY_MIN_FILL_SECONDS = 0  # tests/surveys/test_answering.py sets it to test "too fast"
        self.API_RATE_ANON = 100_000  # the API tests and its fuzz ask a lot; tests/apikeys set small limits
        self.SERVER_NAME = None
        self.PREFERRED_URL_SCHEME = "http"
        self.TRUSTED_HOSTS = None
        self.TRUST_ANY_HOST = False
        self.PROXY_FIX = ""
        self.REDIS_URL = env("TEST_REDIS_URL")


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self):
        super().__init__()
        self.SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = env("URL_SCHEME", "https")


CONFIGS = {"default": Config, "test": TestConfig, "production": ProductionConfig}

"""Uploaded images on S3-compatible storage (CSTI_STORAGE=s3, csti/storage.py): an upload through
the site lands in the bucket (with its narrower copies) and nowhere on the local disk, the page shows
it, /media/ serves it (or redirects to CSTI_S3_PUBLIC_URL, which the CSP then allows), and removing
it deletes the objects. The client is the real MinIO SDK; the server tests/scaleout/s3server.py."""
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from csti.models import Article
from tests.conftest import login

from ..images import image_bytes
from .s3server import ACCESS_KEY, SECRET_KEY, S3Server

KEYS = ("STORAGE", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY", "S3_SECRET_KEY",
        "S3_PREFIX", "S3_PUBLIC_URL")


@pytest.fixture
def s3(app):
    from csti.uploads import _image_info

    saved = {k: app.config.get(k) for k in KEYS}
    with S3Server() as server:
        app.config.update(STORAGE="s3", S3_BUCKET="csti", S3_ENDPOINT_URL=server.url, S3_REGION="us-east-1",
                          S3_ACCESS_KEY=ACCESS_KEY, S3_SECRET_KEY=SECRET_KEY, S3_PREFIX="site/",
                          S3_PUBLIC_URL=None)
        app.extensions.pop("csti_storage", None)
        _image_info.cache_clear()
        try:
            yield server
        finally:
            app.config.update(saved)
            app.extensions.pop("csti_storage", None)
            _image_info.cache_clear()


def _publish_with_cover(testapp, factory, db):
    territory = factory.territory()
    factory.user(email="c@example.org", roles={territory: "contributor"})
    assert login(testapp, "c@example.org").status_int == 303
    form = testapp.get("/articles/new").forms["article-form"]
    form["title"], form["body"], form["territory"] = "Avec une image", "x", str(territory.id)
    form["cover"] = ("affiche.png", image_bytes((1200, 675)), "image/png")
    form["cover_alt"] = "Une affiche"
    assert form.submit("action", value="publish").status_int == 303
    db.session.rollback()
    return db.session.scalar(select(Article).where(Article.title == "Avec une image"))


def test_an_upload_goes_to_the_bucket_is_shown_served_and_deleted(app, db, factory, testapp_en, s3):
    local = Path(app.config["UPLOAD_DIR"])  # the session's: other tests' images may be there already
    before = set(local.rglob("*"))
    article = _publish_with_cover(testapp_en, factory, db)
    cover = article.cover_image
    assert cover and cover.startswith("covers/")
    stem = cover.removesuffix(".webp")
    assert s3.keys() == {f"site/{cover}", f"site/{stem}-480w.webp", f"site/{stem}-960w.webp"}
    assert set(local.rglob("*")) == before  # nothing written on the local disk
    data, headers = s3.objects[("csti", f"site/{cover}")]
    assert data[:4] == b"RIFF" and headers["Content-Type"] == "image/webp"

    page = testapp_en.get(f"/article/{article.id}").maybe_follow()
    assert f'src="/media/{cover}"' in page.text
    assert f"/media/{stem}-480w.webp 480w" in page.text  # the srcset: the variants found in the bucket
    served = testapp_en.get(f"/media/{cover}")
    assert served.body == data and served.content_type == "image/webp"
    assert "max-age=604800" in served.headers["Cache-Control"]
    assert testapp_en.get("/media/covers/nothing-here.webp", status=404)
    assert testapp_en.get("/media/covers/../../etc/passwd", status=404)

    form = testapp_en.get(f"/article/{article.id}/edit").forms["article-form"]
    form["cover_remove"] = True
    assert form.submit("action", value="publish").status_int == 303
    assert s3.keys() == set()
    assert testapp_en.get(f"/media/{cover}", status=404)


def test_a_public_url_is_linked_directly_and_allowed_by_the_csp(app, db, factory, testapp_en, s3):
    app.config["S3_PUBLIC_URL"] = "https://cdn.example.org/bucket/"
    app.extensions.pop("csti_storage", None)
    article = _publish_with_cover(testapp_en, factory, db)
    page = testapp_en.get(f"/article/{article.id}").maybe_follow()
    assert f'src="https://cdn.example.org/bucket/site/{article.cover_image}"' in page.text
    img_src = re.search(r"img-src ([^;]+)", page.headers["Content-Security-Policy"]).group(1)
    assert "https://cdn.example.org" in img_src.split()
    moved = testapp_en.get(f"/media/{article.cover_image}", status=302)
    assert moved.headers["Location"] == f"https://cdn.example.org/bucket/site/{article.cover_image}"


def test_storage_settings_are_checked(app):
    from csti.storage import make_storage

    with pytest.raises(RuntimeError, match="CSTI_S3_BUCKET"):
        make_storage({"STORAGE": "s3", "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    with pytest.raises(RuntimeError, match="expected local or s3"):
        make_storage({"STORAGE": "ftp", "UPLOAD_DIR": "/tmp"})
    from csti import create_app

    with pytest.raises(RuntimeError, match="CSTI_S3_ENDPOINT_URL"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "STORAGE": "s3",
                            "S3_BUCKET": "b"})


def test_a_site_on_local_disk_never_imports_the_s3_client(tmp_path):
    """Workers of a site on local disk do not pay for the S3 client: a page with an image and
    /media/ are served without importing minio."""
    import subprocess
    import sys

    from ..needs import ROOT

    code = """
import sys
from csti import create_app
from csti.extensions import db
app = create_app("test", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    db.create_all()
    from PIL import Image
    from csti.uploads import store_image
    path = store_image(Image.new("RGB", (600, 400)), "covers")
client = app.test_client()
assert client.get("/media/" + path).status_code == 200
assert client.get("/").status_code == 200
print("minio" in sys.modules)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSTI_")}
    env["CSTI_INSTANCE_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", code, f"sqlite:///{tmp_path}/x.db"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_client_waits_briefly_and_retries_once(app, s3):
    """Not the SDK's defaults (300 s to connect and to read, 5 retries): a worker is never held
    past gunicorn's 30 s by a slow bucket."""
    from csti.storage import storage

    with app.app_context():
        http = storage().client._http
    timeout, retries = http.connection_pool_kw["timeout"], http.connection_pool_kw["retries"]
    assert (timeout.connect_timeout, timeout.read_timeout) == (3, 10)
    assert retries.total == 1 and 500 in retries.status_forcelist
    app.config["S3_TIMEOUT"] = "0.5"
    app.extensions.pop("csti_storage", None)
    with app.app_context():
        timeout = storage().client._http.connection_pool_kw["timeout"]
    assert (timeout.connect_timeout, timeout.read_timeout) == (0.5, 0.5)


def test_a_failing_bucket_gives_pages_without_sizes_not_errors(app, db, factory, testapp_en, s3):
    """The bucket answers 500: the page still renders (no srcset, and that answer is not
    remembered), /media/ answers 503, removing the cover commits and every copy is tried."""
    import time

    from csti.storage import storage

    article = _publish_with_cover(testapp_en, factory, db)
    cover, stem = article.cover_image, article.cover_image.removesuffix(".webp")
    s3.failing = True
    start = time.monotonic()
    page = testapp_en.get(f"/article/{article.id}").maybe_follow()
    assert page.status_int == 200 and time.monotonic() - start < 5
    assert f'src="/media/{cover}"' in page.text and "480w" not in page.text
    assert testapp_en.get(f"/media/{cover}", status=503)
    with app.test_request_context():
        for call in (lambda: storage().open(cover), lambda: storage().exists(cover),
                     lambda: storage().delete(cover), lambda: storage().save("covers/x.webp", b"x", "image/webp")):
            with pytest.raises(OSError):
                call()
    s3.failing = False  # back: the sizes are read again (the failure was not cached)
    assert f"/media/{stem}-480w.webp 480w" in testapp_en.get(f"/article/{article.id}").maybe_follow().text

    s3.failing = True
    s3.requests.clear()
    form = testapp_en.get(f"/article/{article.id}/edit").forms["article-form"]
    form["cover_remove"] = True
    assert form.submit("action", value="publish").status_int == 303
    db.session.rollback()
    assert db.session.get(Article, article.id).cover_image is None  # committed
    deleted = {path for method, path in s3.requests if method == "DELETE"}
    assert deleted == {f"/csti/site/{name}" for name in
                       (cover, f"{stem}-160w.webp", f"{stem}-480w.webp", f"{stem}-960w.webp")}


def test_an_unreachable_bucket_is_an_error_of_its_own_not_a_500(app, db, factory, testapp_en, s3):
    """Nothing listens on the endpoint's port, or the bucket is slower than CSTI_S3_TIMEOUT: the
    page renders within a few seconds. Costs about 2 s (two attempts of 0.5 s, and a refusal)."""
    import time

    article = _publish_with_cover(testapp_en, factory, db)
    app.config.update(S3_ENDPOINT_URL="http://127.0.0.1:9", S3_TIMEOUT="0.5")  # discard port: refused
    app.extensions.pop("csti_storage", None)
    start = time.monotonic()
    assert testapp_en.get(f"/article/{article.id}").maybe_follow().status_int == 200
    assert testapp_en.get(f"/media/{article.cover_image}", status=503)
    assert time.monotonic() - start < 5
    app.config["S3_ENDPOINT_URL"] = s3.url
    app.extensions.pop("csti_storage", None)
    s3.delay = 2
    start = time.monotonic()
    assert testapp_en.get(f"/media/{article.cover_image}", status=503)
    assert time.monotonic() - start < 1.9


def test_control_characters_in_a_media_path_are_refused_and_keys_quoted(app, testapp_en, s3):
    app.config["S3_PUBLIC_URL"] = "https://cdn.example.org/bucket/"
    app.extensions.pop("csti_storage", None)
    for bad in ("a%0Ab.webp", "covers/a%0Db.webp", "covers/a%09b.webp", "covers/a%7Fb.webp", "a%00b.webp"):
        assert testapp_en.get(f"/media/{bad}", status=404)
    moved = testapp_en.get("/media/covers/a%3Fb%23c%20d.webp", status=302)
    assert moved.headers["Location"] == "https://cdn.example.org/bucket/site/covers/a%3Fb%23c%20d.webp"


def test_s3_urls_must_be_absolute(app):
    from csti.storage import check_config

    good = {"STORAGE": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": "https://s3.example.org"}
    assert check_config(good) == "s3"
    assert check_config({**good, "S3_PUBLIC_URL": "http://cdn.example.org/x/"}) == "s3"
    for key, value in (("S3_PUBLIC_URL", "cdn.example.org"), ("S3_PUBLIC_URL", "//cdn.example.org"),
                       ("S3_PUBLIC_URL", "ftp://cdn.example.org"), ("S3_PUBLIC_URL", "https://"),
                       ("S3_ENDPOINT_URL", "s3.example.org"), ("S3_ENDPOINT_URL", "https:///x"),
                       ("S3_TIMEOUT", "soon"), ("S3_TIMEOUT", "0")):
        with pytest.raises(RuntimeError, match=f"CSTI_{key}="):
            check_config({**good, key: value})
    from csti import create_app

    with pytest.raises(RuntimeError, match="CSTI_S3_PUBLIC_URL='cdn.example.org': expected an absolute URL"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **good,
                            "S3_PUBLIC_URL": "cdn.example.org"})

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
    article = _publish_with_cover(testapp_en, factory, db)
    cover = article.cover_image
    assert cover and cover.startswith("covers/")
    stem = cover.removesuffix(".webp")
    assert s3.keys() == {f"site/{cover}", f"site/{stem}-480w.webp", f"site/{stem}-960w.webp"}
    assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.webp"))  # nothing on the local disk
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

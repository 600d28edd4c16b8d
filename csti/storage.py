"""Where uploaded images live (docs/architecture.md §22): a directory (``CSTI_UPLOAD_DIR``, the
default; shared between app servers by a network file system) or a bucket of S3-compatible object
storage (``CSTI_STORAGE=s3``), behind one small interface — ``save``, ``open``, ``exists``,
``delete``, ``url`` — used by csti/uploads.py (writing, reading sizes, deleting) and by ``/media/``
(serving). Documents attached to content stay in ``DOCUMENT_DIR`` on disk (private, see
csti/blueprints/documents/operations.py).

The S3 client is the MinIO SDK (``minio``), imported only when ``CSTI_STORAGE=s3``: a site on local
disk never loads it."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import current_app, url_for


def _clean(name: str) -> str | None:
    """A stored name: relative, without "..", empty or absolute parts, backslashes or control
    characters (None otherwise)."""
    parts = (name or "").split("/")
    if (not name or any(p in ("", ".", "..") for p in parts) or "\\" in name
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name)):
        return None
    return name


def _absolute_url(value: str) -> bool:
    """An absolute http(s) URL with a host."""
    try:
        url = urlsplit(value or "")
        return url.scheme in ("http", "https") and bool(url.hostname)
    except ValueError:
        return False


class LocalStorage:
    kind = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, name: str) -> Path | None:
        """The file's path, None when the name leaves the directory."""
        if _clean(name) is None:
            return None
        root = self.root.resolve()
        path = (root / name).resolve()
        return path if root in path.parents else None

    def save(self, name: str, data: bytes, content_type: str) -> None:
        path = self.path(name)
        if path is None:
            raise ValueError(f"bad stored name {name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def open(self, name: str):
        """A binary file object, None when there is nothing under that name."""
        path = self.path(name)
        if path is None or not path.is_file():
            return None
        return path.open("rb")

    def exists(self, name: str) -> bool:
        path = self.path(name)
        return path is not None and path.is_file()

    def delete(self, name: str) -> None:
        path = self.path(name)
        if path is not None and path.is_file():
            path.unlink()

    def url(self, name: str) -> str | None:
        return None  # served by /media/ (or the reverse proxy, from the same directory)


class S3Storage:
    """Objects ``<prefix><name>`` in one bucket; ``public_url`` (``CSTI_S3_PUBLIC_URL``): where the
    bucket is readable by anybody (a CDN, a public bucket), then pages link there directly;
    without it ``/media/`` streams each object through the app."""
    kind = "s3"

    def __init__(self, bucket: str, endpoint_url: str, access_key=None, secret_key=None,
                 region=None, prefix: str = "", public_url: str | None = None, timeout: float = 10):
        import urllib3
        from minio import Minio

        url = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
        if not url.netloc:
            raise ValueError(f"CSTI_S3_ENDPOINT_URL={endpoint_url!r}: expected https://host[:port]")
        # Short timeouts and one retry (the SDK's defaults are 300 s and 5 retries): a slow or
        # unreachable bucket must not hold a worker past gunicorn's timeout.
        timeout = float(timeout or 10)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(3.0, timeout), read=timeout),
            retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]))
        self.client = Minio(url.netloc, access_key=access_key, secret_key=secret_key, region=region or None,
                            secure=url.scheme == "https", http_client=http)
        self.bucket = bucket
        self.prefix = prefix
        self.public_url = (public_url or "").rstrip("/") or None

    def _key(self, name: str) -> str:
        if _clean(name) is None:
            raise ValueError(f"bad stored name {name!r}")
        return f"{self.prefix}{name}"

    def save(self, name: str, data: bytes, content_type: str) -> None:
        key = self._key(name)
        with _os_errors():
            self.client.put_object(self.bucket, key, io.BytesIO(data), len(data),
                                   content_type=content_type,
                                   metadata={"Cache-Control": "public, max-age=604800, immutable"})

    def open(self, name: str):
        """A binary file object, None when there is no such object; OSError when the bucket fails."""
        from minio.error import S3Error

        if _clean(name) is None:
            return None
        with _os_errors():
            try:
                response = self.client.get_object(self.bucket, self._key(name))
            except S3Error as error:
                if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                    return None
                raise
            try:
                return io.BytesIO(response.read())
            finally:
                response.close()
                response.release_conn()

    def exists(self, name: str) -> bool:
        from minio.error import S3Error

        if _clean(name) is None:
            return False
        with _os_errors():
            try:
                self.client.stat_object(self.bucket, self._key(name))
            except S3Error as error:
                if error.code in ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"):
                    return False
                raise
        return True

    def delete(self, name: str) -> None:
        if _clean(name) is not None:
            with _os_errors():
                self.client.remove_object(self.bucket, self._key(name))  # no error when absent

    def url(self, name: str) -> str | None:
        return f"{self.public_url}/{quote(self._key(name), safe='/')}" if self.public_url else None

    def ping(self) -> bool:
        """The bucket answers and exists (``/healthz?deep=1``); OSError when it does not answer."""
        with _os_errors():
            return bool(self.client.bucket_exists(self.bucket))


@contextlib.contextmanager
def _os_errors():
    """The SDK's and urllib3's errors (a refused connection, a timeout, an S3 error answer) as
    OSError, the one error callers of a storage handle."""
    import urllib3
    from minio.error import MinioException

    try:
        yield
    except (MinioException, urllib3.exceptions.HTTPError) as error:
        raise OSError(f"S3 storage: {type(error).__name__}: {error}") from error


def check_config(config) -> str:
    """The storage's kind; RuntimeError (the app does not start) for a wrong or incomplete setting."""
    kind = (config.get("STORAGE") or "local").strip().lower()
    if kind not in ("local", "s3"):
        raise RuntimeError(f"CSTI_STORAGE={kind!r}: expected local or s3")
    missing = [f"CSTI_S3_{k}" for k in ("BUCKET", "ENDPOINT_URL") if kind == "s3" and not config.get(f"S3_{k}")]
    if missing:
        raise RuntimeError(f"CSTI_STORAGE=s3 needs {', '.join(missing)}")
    if kind == "s3":
        for key in ("ENDPOINT_URL", "PUBLIC_URL"):
            value = config.get(f"S3_{key}")
            if value and not _absolute_url(value):
                raise RuntimeError(f"CSTI_S3_{key}={value!r}: expected an absolute URL, "
                                   f"http:// or https:// with a host (e.g. https://cdn.example.org/bucket)")
        try:
            timeout = float(config.get("S3_TIMEOUT") or 10)
        except (TypeError, ValueError):
            timeout = 0
        if not timeout > 0:
            raise RuntimeError(f"CSTI_S3_TIMEOUT={config.get('S3_TIMEOUT')!r}: expected a number of seconds above 0")
    return kind


def make_storage(config) -> LocalStorage | S3Storage:
    if check_config(config) == "local":
        return LocalStorage(config["UPLOAD_DIR"])
    else:
        return S3Storage(config["S3_BUCKET"], config["S3_ENDPOINT_URL"], config.get("S3_ACCESS_KEY"),
                         config.get("S3_SECRET_KEY"), config.get("S3_REGION"), config.get("S3_PREFIX") or "",
                         config.get("S3_PUBLIC_URL"), float(config.get("S3_TIMEOUT") or 10))


def storage() -> LocalStorage | S3Storage:
    """The application's storage of uploaded images (made once per app and process)."""
    app = current_app._get_current_object()
    found = app.extensions.get("csti_storage")
    kind = (app.config.get("STORAGE") or "local").strip().lower()
    if found is None or found.kind != kind or (kind == "local" and str(found.root) != str(app.config["UPLOAD_DIR"])):
        found = app.extensions["csti_storage"] = make_storage(app.config)
    return found


def media_url(path, external=False):
    """Where a stored image is fetched: the storage's public URL (S3 with CSTI_S3_PUBLIC_URL),
    else /media/."""
    if not path:
        return None
    return storage().url(path) or url_for("main.media", path=path, _external=external)

"""A small S3-compatible server on loopback for the tests (path-style requests: PUT, GET, HEAD and
DELETE of objects in existing buckets, S3's XML errors), run in a thread.

moto's server would be the usual choice, but it needs botocore, which pins python-dateutil below
3 while the project pins 4.0.0: the two cannot be installed together (docs/architecture.md §22).
The client under test is the real one (the MinIO SDK, csti/storage.py), signing every request: the
server refuses a request without an AWS Signature V4 naming the expected access key."""
from __future__ import annotations

import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ACCESS_KEY = "csti-test-access"
SECRET_KEY = "csti-test-secret-key"


def _error(status: int, code: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{code}</Message></Error>'
    return Response(body, status=status, content_type="application/xml")


class S3Server:
    def __init__(self, buckets=("csti",)):
        self.objects: dict[tuple[str, str], tuple[bytes, dict]] = {}
        self.buckets = set(buckets)
        self.requests: list[tuple[str, str]] = []
        self.failing = False  # True: every request answers 500 (a bucket down behind its proxy)
        self.delay = 0.0  # seconds each request waits before its answer (a slow bucket)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    def keys(self, bucket="csti") -> set[str]:
        return {k for b, k in self.objects if b == bucket}

    def app(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.path))
        if self.delay:
            time.sleep(self.delay)
        if self.failing:
            return _error(500, "InternalError")(environ, start_response)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 ") or f"Credential={ACCESS_KEY}/" not in auth:
            return _error(403, "AccessDenied")(environ, start_response)
        bucket, _, key = request.path.lstrip("/").partition("/")
        if bucket not in self.buckets:
            return _error(404, "NoSuchBucket")(environ, start_response)
        if not key:  # bucket-level calls (location, existence)
            if "location" in request.args:
                body = ('<?xml version="1.0" encoding="UTF-8"?><LocationConstraint '
                        'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>')
                return Response(body, content_type="application/xml")(environ, start_response)
            return Response(b"")(environ, start_response)
        found = self.objects.get((bucket, key))
        if request.method == "PUT":
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() in ("content-type", "cache-control") or k.lower().startswith("x-amz-meta-")}
            self.objects[(bucket, key)] = (request.get_data(), headers)
            return Response(b"", headers={"ETag": '"0"'})(environ, start_response)
        if request.method == "DELETE":
            self.objects.pop((bucket, key), None)
            return Response(b"", status=204)(environ, start_response)
        if found is None:
            if request.method == "HEAD":
                return Response(b"", status=404)(environ, start_response)
            return _error(404, "NoSuchKey")(environ, start_response)
        data, headers = found
        response = Response(data if request.method == "GET" else b"",
                            content_type=headers.get("Content-Type", "application/octet-stream"),
                            headers={"ETag": '"0"', "Last-Modified": "Fri, 04 Dec 2026 12:00:00 GMT"})
        response.headers["Content-Length"] = str(len(data))
        return response(environ, start_response)

"""How the server delivers the web UI: types, caching, compression, and what the page loads."""

import gzip
import json
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from authserver.web.webui import load_bundle

JS = "text/javascript; charset=utf-8"


def fetch(server, path: str, headers: dict | None = None):
    """GET `path`: (status, headers, body as sent)."""
    request = urllib.request.Request(server.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _References(HTMLParser):
    """Every URL the page names, and any inline script or style it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[key] for key in ("src", "href") if attrs.get(key)]
        if "style" in attrs or any(key.startswith("on") for key in attrs):
            self.inline.append(f"<{tag}> with inline style or handler")
        if tag == "style" or (tag == "script" and not attrs.get("src")):
            self.inline.append(f"inline <{tag}>")


def test_page_is_revalidated_and_names_hashed_assets(any_server):
    status, headers, body = fetch(any_server, "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    page = body.decode()
    assert "<noscript>" in page and "needs JavaScript" in page
    parser = _References()
    parser.feed(page)
    assert not parser.inline
    assets = [url for url in parser.urls if url.startswith("/static/")]
    assert assets, parser.urls
    assert all(re.match(r"^/static/[0-9a-f]{16}/", url) for url in assets), assets
    others = [url for url in parser.urls if not url.startswith(("/", "#"))]
    assert not others, f"the page names other origins: {others}"


@pytest.mark.parametrize(("name", "content_type", "gzipped"), [
    ("app.css", "text/css; charset=utf-8", True),
    ("js/main.js", JS, True),
    ("vendor/socket.io.esm.min.js", JS, True),
    ("favicon.svg", "image/svg+xml", False),  # too small to be worth it
])
def test_assets_are_typed_compressed_and_cached_for_good(any_server, name, content_type,
                                                         gzipped):
    version = load_bundle().version
    status, headers, body = fetch(any_server, f"/static/{version}/{name}",
                                  {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == ("gzip" if gzipped else None)
    assert (gzip.decompress(body) if gzipped else body) == load_bundle().assets[name].body
    etag = headers["ETag"]
    status, _, _ = fetch(any_server, f"/static/{version}/{name}", {"If-None-Match": etag})
    assert status == 304


@pytest.mark.parametrize("path", [
    "/static/0000000000000000/app.css",  # an old version: gone
    "/static/{version}/nothing-here.js",
    "/static/{version}/../__init__.py",
    "/static/app.css",
])
def test_unknown_assets_are_not_found(any_server, path):
    status, headers, body = fetch(any_server, path.format(version=load_bundle().version))
    assert status == 404
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["code"] == "NOT_FOUND"


def test_the_page_only_answers_reads(any_server):
    request = urllib.request.Request(any_server.url + "/", data=b"x", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 405
        assert error.headers["Allow"] == "GET, HEAD"
        assert json.loads(error.read())["code"] == "METHOD_NOT_ALLOWED"
    else:
        raise AssertionError("POST / was accepted")


def test_the_page_revalidates_with_its_etag(any_server):
    _, headers, _ = fetch(any_server, "/")
    status, _, body = fetch(any_server, "/", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""


def test_version_is_a_hash_of_every_file(tmp_path):
    (tmp_path / "index.html").write_text('<link href="{{static}}/a.css">')
    (tmp_path / "a.css").write_text("body { color: black; }")
    first = load_bundle(tmp_path)
    assert first.index.body == f'<link href="/static/{first.version}/a.css">'.encode()
    (tmp_path / "a.css").write_text("body { color: navy; }")
    second = load_bundle(tmp_path)
    assert second.version != first.version
    assert second.assets["a.css"].etag != first.assets["a.css"].etag
    assert load_bundle(tmp_path).version == second.version


def test_javascript_and_css_load_nothing_from_elsewhere():
    bundle = load_bundle()
    for name, asset in bundle.assets.items():
        if name.startswith("vendor/") or not name.endswith((".js", ".css")):
            continue
        text = asset.body.decode()
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), name
        assert "@import" not in text and "innerHTML" not in text, name

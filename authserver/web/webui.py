"""Serve the web UI: the page at `/` and its assets under a content-hashed prefix.

All assets are read once at start-up. Their combined SHA-256 names a prefix,
`/static/<hash>/`, so every URL changes whenever any file does: relative `import`s between
JavaScript modules stay cache-busted without a bundler or an import map (an import map
would have to be an inline script, which the Content-Security-Policy forbids). Hashed
assets are cached for a year as immutable; the page itself is revalidated on every load.
"""

import gzip
import hashlib
import html
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from tornado.web import HTTPError, RequestHandler, url

from authserver.web.headers import apply_security_headers
from contracts import ErrorReply, Status
from webui import STATIC_DIR

ASSET_PREFIX = "/static"
PLACEHOLDER = "{{static}}"
APP_NAME = "{{app_name}}"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
_COMPRESSIBLE = {".html", ".js", ".css", ".svg", ".json", ".webmanifest"}
_GZIP_MIN_BYTES = 512
_IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One file ready to send: its bytes, a gzip copy when worth it, and its type."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


def _asset(body: bytes, suffix: str) -> Asset:
    content_type = _TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0]
    gzipped = None
    if suffix in _COMPRESSIBLE and len(body) >= _GZIP_MIN_BYTES:
        # mtime=0 keeps the compressed bytes, and so the ETag, stable across restarts.
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    # Weak: one tag covers the plain and the gzipped forms of the same content.
    etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, gzipped, content_type or "application/octet-stream", etag)


@dataclass(frozen=True)
class Bundle:
    """The page and its assets as loaded at start-up."""

    version: str
    index: Asset
    assets: dict[str, Asset]

    @property
    def prefix(self) -> str:
        return f"{ASSET_PREFIX}/{self.version}"


def load_bundle(root: Path = STATIC_DIR, app_name: str = "authserver") -> Bundle:
    """Read every file under `root`, hash them together and fill in the page's prefix and
    the product's name (APP_NAME: its title, header and application-name)."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    digest = hashlib.sha256()
    contents = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        body = path.read_bytes()
        contents[rel] = body
        digest.update(rel.encode() + b"\0" + hashlib.sha256(body).digest())
    version = digest.hexdigest()[:16]
    page = contents.pop("index.html").decode("utf-8")
    page = page.replace(PLACEHOLDER, f"{ASSET_PREFIX}/{version}")
    page = page.replace(APP_NAME, html.escape(app_name))
    assets = {rel: _asset(body, Path(rel).suffix) for rel, body in contents.items()}
    return Bundle(version, _asset(page.encode("utf-8"), ".html"), assets)


class _AssetHandler(RequestHandler):
    """Send one preloaded asset, gzipped when the client accepts it."""

    def set_default_headers(self) -> None:
        # Self only: the page runs no inline script or style and loads nothing from elsewhere.
        apply_security_headers(self)
        self.set_header("Cross-Origin-Resource-Policy", "same-origin")

    def write_error(self, status_code: int, **kwargs) -> None:
        """Refusals in the API's JSON shape, like every other answer of the server."""
        if status_code == 404:
            reply = ErrorReply(error="There is no such page or file.", code=Status.NOT_FOUND)
        elif status_code == 405:
            self.set_header("Allow", "GET, HEAD")
            reply = ErrorReply(error="Only GET and HEAD are allowed here.",
                               code=Status.METHOD_NOT_ALLOWED)
        else:
            reply = ErrorReply(error="internal error", code=Status.INTERNAL)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(reply.model_dump_json(exclude_none=True))

    def compute_etag(self) -> str | None:
        # Each asset carries a precomputed tag; hashing every response again is wasted work.
        return None

    def _send(self, asset: Asset, *, include_body: bool) -> None:
        self.set_header("Content-Type", asset.content_type)
        self.set_header("ETag", asset.etag)
        if not self.application.settings.get("compress_response"):
            # With compress_response on, Tornado's gzip transform adds this header itself.
            self.set_header("Vary", "Accept-Encoding")
        if self.check_etag_header():
            self.set_status(304)
            return
        body = asset.body
        if asset.gzipped is not None and "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            body = asset.gzipped
        if include_body:
            self.write(body)
        else:
            self.set_header("Content-Length", str(len(body)))


class IndexHandler(_AssetHandler):
    """`/`: the page, revalidated on every load so it always names current assets."""

    def initialize(self, bundle: Bundle) -> None:
        self.bundle = bundle

    def _page(self, include_body: bool) -> None:
        self.set_header("Cache-Control", "no-cache")
        self._send(self.bundle.index, include_body=include_body)

    def get(self) -> None:
        self._page(include_body=True)

    def head(self) -> None:
        self._page(include_body=False)


class StaticHandler(_AssetHandler):
    """`/static/<version>/<path>`: hashed assets, cached for good by browsers and proxies."""

    def initialize(self, bundle: Bundle) -> None:
        self.bundle = bundle

    def _asset(self, version: str, path: str, include_body: bool) -> None:
        asset = self.bundle.assets.get(path)
        if version != self.bundle.version or asset is None:
            # An old version's files are gone: a page still naming them reloads from `/`.
            raise HTTPError(404)
        self.set_header("Cache-Control", _IMMUTABLE)
        self._send(asset, include_body=include_body)

    def get(self, version: str, path: str) -> None:
        self._asset(version, path, include_body=True)

    def head(self, version: str, path: str) -> None:
        self._asset(version, path, include_body=False)


def routes(bundle: Bundle | None = None, app_name: str = "authserver") -> list:
    """Tornado URL specs serving the web UI at `/` and its assets under `/static/`."""
    bundle = bundle or load_bundle(app_name=app_name)
    return [
        url(r"/", IndexHandler, {"bundle": bundle}, name="webui"),
        url(rf"{ASSET_PREFIX}/([0-9a-f]{{16}})/(.+)", StaticHandler, {"bundle": bundle},
            name="webui-static"),
    ]

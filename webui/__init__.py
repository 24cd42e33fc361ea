"""The browser client of authserver: static HTML, CSS and JavaScript modules.

Nothing here runs on the server; `authserver.web.webui` serves these files. The Socket.IO
browser client in `static/vendor/` is copied from the npm package pinned in
`package-lock.json` by `refresh_vendor.py`.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Where the page and its assets live; `index.html` is the entry point."""

"""The dashboard's static files, vendored (htmx and Chart.js from the npm registry, pinned by file name,
with their licences beside them): pages make no third-party request. URLs carry a digest of the file,
so a browser may keep each one for a year and still sees a change at once."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".txt": "text/plain; charset=utf-8"}
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def files() -> dict[str, tuple[Path, str]]:
    """Servable file name → (path, short sha-256 of its bytes)."""
    return {
        path.name: (path, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
        for path in sorted(STATIC_DIR.iterdir()) if path.suffix in MEDIA_TYPES
    }


def url(name: str) -> str:
    """`/dashboard/static/htmx-2.0.11.min.js?v=…` for a template."""
    _path, digest = files()[name]
    return f"/dashboard/static/{name}?v={digest}"

"""A JSON response rendered by orjson (fast, and strict about what it serializes)."""

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JsonResponse(JSONResponse):
    """A JSONResponse, so that FastAPI documents the routes' response models with it (it documents a
    bare string for any other default response class)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

"""Parameters of a Bot API request, however the bot sent them.

Telegram accepts parameters in the query string, as
``application/x-www-form-urlencoded``, as ``application/json`` and as
``multipart/form-data``. Like the official server, the emulator turns every
value into a string first (JSON values other than strings are re-serialised),
so each method reads its parameters the same way whatever the encoding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import api_errors as e


@dataclass(frozen=True)
class UploadedPart:
    """A file in a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RequestParams:
    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedPart] = field(default_factory=dict)

    def str(self, name: str) -> str | None:
        return self.values.get(name)

    def int(self, name: str, default: int | None = None) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return int(raw.strip())
        except ValueError:
            try:
                return int(float(raw))
            except ValueError:
                return 0

    def bool(self, name: str) -> bool:
        raw = self.values.get(name)
        return raw is not None and raw.strip().lower() in ("true", "1")

    def json(self, name: str) -> Any:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise e.bad_request(f"can't parse {name} JSON object") from None

    def input_file(self, name: str) -> UploadedPart | str | None:
        """A file parameter: an uploaded part (directly or via attach://), or a string."""
        if name in self.files:
            return self.files[name]
        raw = self.values.get(name)
        if raw is not None and raw.startswith("attach://"):
            return self.files.get(raw[len("attach://") :])
        return raw

    def for_log(self) -> dict[str, Any]:
        """Values with JSON objects and arrays decoded, for the request log."""
        logged: dict[str, Any] = {}
        for key, value in self.values.items():
            if value[:1] in ("{", "["):
                try:
                    logged[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            logged[key] = value
        return logged


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


async def read_params(request: web.Request) -> RequestParams:
    params = RequestParams()
    for key, value in request.query.items():
        params.values[key] = value
    if request.method != "POST" or not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise e.bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise e.bad_request("can't parse JSON encoded request")
        for key, value in body.items():
            text = _as_text(value)
            if text is not None:
                params.values[key] = text
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = await part.read(decode=True)
                params.files[part.name] = UploadedPart(
                    part.filename, part.headers.get("Content-Type"), bytes(data)
                )
            else:
                params.values[part.name] = await part.text()
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params.values[key] = value
    return params

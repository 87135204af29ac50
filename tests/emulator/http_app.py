"""The aiohttp application that answers the bot like api.telegram.org.

Routes:

* ``GET|POST /bot<token>/<method>``: the Bot API (method names case-insensitive);
* ``GET /file/bot<token>/<file_path>``: file downloads, for getFile;
* everything else: 404 ``Not Found``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import api_errors as e
from .faults import Fault, FaultPlan
from .flood import FloodControl
from .methods import METHODS, ApiResult, MethodContext
from .model import CallRecord
from .request_params import RequestParams, read_params
from .world import BotWorld

_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def _json_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


class BotApiHttpApp:
    def __init__(
        self,
        world: BotWorld,
        faults: FaultPlan,
        calls: list[CallRecord],
        *,
        allow_insecure_webhooks: bool,
        on_webhook_change: Callable[[], None],
        flood: FloodControl | None = None,
    ) -> None:
        self._world = world
        self._flood = flood
        self._faults = faults
        self._calls = calls
        self._context = MethodContext(world, allow_insecure_webhooks, on_webhook_change)

    def build(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", r"/bot{token}/{method}", self._handle_method)
        app.router.add_route("GET", r"/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", r"/{tail:.*}", self._handle_unknown)
        return app

    # --- authentication ----------------------------------------------------------------

    def _auth_error(self, token: str) -> e.BotApiError | None:
        if token == self._world.settings.token:
            return None
        if not _TOKEN_SHAPE.match(token):
            return e.BotApiError(404, "Not Found")
        if token.startswith("0"):
            return e.BotApiError(401, "Unauthorized: invalid token specified")
        return e.BotApiError(401, "Unauthorized")

    # --- handlers ----------------------------------------------------------------------

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return _json_response(404, e.BotApiError(404, "Not Found").to_api())

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if self._auth_error(request.match_info["token"]) is not None:
            return _json_response(404, e.BotApiError(404, "Not Found").to_api())
        stored = self._world.file_by_path(request.match_info["path"])
        if stored is None:
            return _json_response(404, e.BotApiError(404, "Not Found").to_api())
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        method = request.match_info["method"]
        record = CallRecord(len(self._calls) + 1, method, {}, {}, started_at=loop.time())
        self._calls.append(record)

        params: RequestParams | None = None
        params_error: e.BotApiError | None = None
        try:
            params = await read_params(request)
            record.params = params.for_log()
            record.files = {name: (part.filename, len(part.data)) for name, part in params.files.items()}
        except e.BotApiError as exc:
            params_error = exc

        auth_error = self._auth_error(request.match_info["token"])
        if auth_error is not None:
            return self._answer_error(record, auth_error)
        key = method.lower()
        handler = METHODS.get(key)
        if handler is None:
            return self._answer_error(record, e.BotApiError(404, "Not Found"))

        fault = self._faults.take(key)
        if fault is not None:
            record.fault = fault.kind
            early = await self._apply_fault_before(request, record, fault)
            if early is not None:
                return early

        if params_error is not None or params is None:
            response = self._answer_error(record, params_error or e.bad_request("no parameters"))
        elif self._flood is not None and (limited := self._flood.admit(key, params.str("chat_id"))) is not None:
            record.flood_limited = True
            response = self._answer_error(record, limited)
        else:
            response = await self._run_method(record, handler, params)

        if fault is not None and fault.kind == "drop_after":
            return self._drop(request, record)
        return response

    async def _run_method(self, record: CallRecord, handler: Any, params: RequestParams) -> web.Response:
        try:
            result = await handler(self._context, params)
        except e.BotApiError as exc:
            return self._answer_error(record, exc)
        body: dict[str, Any] = {"ok": True}
        if isinstance(result, ApiResult):
            body["result"] = result.result
            if result.description:
                body["description"] = result.description
            record.description = result.description
            result = result.result
        else:
            body["result"] = result
        record.http_status, record.ok, record.result = 200, True, result
        record.finished_at = asyncio.get_running_loop().time()
        return _json_response(200, body)

    def _answer_error(self, record: CallRecord, error: e.BotApiError) -> web.Response:
        record.http_status = error.error_code
        record.description = error.description
        record.ok = False
        record.rejected = (
            400 <= error.error_code < 500
            and error.error_code != 409
            and record.fault in (None, "slow")
            and not record.flood_limited
        )
        record.finished_at = asyncio.get_running_loop().time()
        return _json_response(error.error_code, error.to_api())

    # --- faults ------------------------------------------------------------------------

    async def _apply_fault_before(
        self, request: web.Request, record: CallRecord, fault: Fault
    ) -> web.StreamResponse | None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "429":
            error = e.BotApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
            return self._answer_fault(record, 429, _json_response(429, error.to_api()), error.description)
        if fault.kind == "500":
            error = e.BotApiError(500, "Internal Server Error")
            return self._answer_fault(record, 500, _json_response(500, error.to_api()), error.description)
        if fault.kind == "502":
            response = web.Response(status=502, text=_BAD_GATEWAY_PAGE, content_type="text/html")
            return self._answer_fault(record, 502, response, "Bad Gateway")
        if fault.kind == "drop_before":
            return self._drop(request, record)
        return None

    def _answer_fault(self, record: CallRecord, status: int, response: web.Response,
                      description: str) -> web.Response:
        record.http_status, record.ok, record.description = status, False, description
        record.finished_at = asyncio.get_running_loop().time()
        return response

    def _drop(self, request: web.Request, record: CallRecord) -> web.StreamResponse:
        """Close the connection without an answer."""
        record.http_status = 0
        record.finished_at = asyncio.get_running_loop().time()
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError

"""BotApiEmulator: an HTTP server on 127.0.0.1 that speaks the Telegram Bot API.

Usage::

    async with BotApiEmulator() as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
        anna = emu.user(1001, first_name="Anna")
        await anna.send_command("/start")
        ...
        assert emu.rejections() == []

Faithful to Telegram: routing and authentication (401/404), parameters in query
strings, forms, JSON and multipart bodies (``attach://`` included), getUpdates
(offsets, negative offsets, limit, long polling, remembered allowed_updates,
409 conflicts), webhooks (set/delete/info, delivery with the secret header),
HTML parse mode with tdlib's error messages and byte offsets, text cleaning and
trimming, UTF-16 limits, inline keyboard validation, callback query expiry,
"message is not modified", per-chat message ids, privacy mode in groups.

Simplified: Markdown/MarkdownV2 are refused with an "[emulator]" error; the
entities Telegram detects by itself (URLs, mentions, hashtags, bot commands,
e-mail addresses) are found by simpler rules (bare domains only for common
TLDs); flood limits only with ``flood_control`` (see flood.py) or injected; no channels, inline mode, media groups
or forum topics; photos are not re-encoded (one extra thumbnail size is made up).
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from aiohttp import web

from .clock import Clock, SystemClock
from .faults import Fault, FaultPlan
from .flood import FloodControl, FloodLimits
from .http_app import BotApiHttpApp
from .model import CallRecord, ChatType, UploadedFile, User
from .user_side import GroupClient, UserClient
from .webhook_delivery import WebhookDelivery
from .world import BotWorld, WorldSettings


class BotApiEmulator:
    def __init__(
        self,
        token: str = "123456:ABC-test",
        bot_username: str = "checkbot_test_bot",
        *,
        bot_first_name: str = "Checkbot",
        clock: Clock | None = None,
        callback_query_timeout: float = 15.0,
        first_update_id: int = 500_000_001,
        group_privacy: bool = True,
        allow_insecure_webhooks: bool = False,
        host: str = "127.0.0.1",
        flood_control: FloodLimits | bool = False,
    ) -> None:
        bot_id = token.split(":", 1)[0]
        if not bot_id.isdigit() or ":" not in token:
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.clock: Clock = clock or SystemClock()
        self._world = BotWorld(
            WorldSettings(
                token=token,
                bot_username=bot_username,
                bot_first_name=bot_first_name,
                first_update_id=first_update_id,
                callback_query_timeout=callback_query_timeout,
                group_privacy=group_privacy,
            ),
            self.clock,
        )
        self._faults = FaultPlan()
        self._calls: list[CallRecord] = []
        limits = FloodLimits() if flood_control is True else (flood_control or None)
        self.flood = FloodControl(limits, _loop_time) if limits is not None else None
        self._delivery = WebhookDelivery(self._world)
        self._app = BotApiHttpApp(
            self._world,
            self._faults,
            self._calls,
            allow_insecure_webhooks=allow_insecure_webhooks,
            on_webhook_change=self._delivery.restart,
            flood=self.flood,
        )
        self._host = host
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._users: dict[int, UserClient] = {}
        self._groups: dict[int, GroupClient] = {}

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(
            self._app.build(), handle_signals=False, access_log=None, shutdown_timeout=0.2
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._world.updates.close()
        await self._delivery.stop()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    # --- addresses ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("start() the emulator first")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(token, base_url=...)``: the token is appended to it."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def token(self) -> str:
        return self._world.settings.token

    @property
    def bot(self) -> User:
        return self._world.bot

    # --- the users' side -----------------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "nl") -> UserClient:
        """The user with this id and their private chat (created on first use)."""
        client = self._users.get(user_id)
        if client is None:
            if user_id <= 0:
                raise ValueError("user ids are positive")
            user = self._world.add_user(User(user_id, first_name or f"User{user_id}", last_name=last_name,
                                             username=username, language_code=language_code))
            client = UserClient(self._world, user, self.rejections)
            self._users[user_id] = client
        elif first_name is not None and client.user.first_name != first_name:
            raise ValueError(f"user {user_id} already exists as {client.user.first_name!r}")
        return client

    def group(self, chat_id: int, title: str = "Group", *, type: ChatType = "group") -> GroupClient:
        """A group (negative id) the bot is a member of."""
        client = self._groups.get(chat_id)
        if client is None:
            if chat_id >= 0 or type == "private":
                raise ValueError("groups have negative ids and type 'group' or 'supergroup'")
            state = self._world.ensure_group(chat_id, title, type)
            client = GroupClient(self._world, state, self._member, self.rejections)
            self._groups[chat_id] = client
        return client

    def _member(self, user_id: int) -> User:
        return self.user(user_id).user

    # --- faults --------------------------------------------------------------------------

    def inject_fault(self, method: str | None, kind: str, count: int = 1, retry_after: int = 1,
                     delay: float = 0.0) -> Fault:
        """The next ``count`` calls of ``method`` (any method if None) get the fault.

        Kinds: "429" (Too Many Requests with retry_after), "500" (JSON error),
        "502" (nginx's HTML page), "slow" (answer after ``delay`` seconds),
        "drop"/"drop_before" (close the connection, the call has no effect),
        "drop_after" (carry the call out, then close the connection).
        """
        return self._faults.add(method, kind, count, retry_after, delay)

    def clear_faults(self) -> None:
        self._faults.clear()

    # --- inspection ------------------------------------------------------------------------

    def pending_updates(self) -> list[dict[str, Any]]:
        return [update.to_api() for update in self._world.updates.pending]

    @property
    def confirmed_offset(self) -> int:
        return self._world.updates.confirmed_offset

    @property
    def allowed_updates(self) -> list[str] | None:
        return self._world.updates.allowed_updates

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """Every request the bot made (or those to ``method``, case-insensitive), in order."""
        if method is None:
            return list(self._calls)
        return [call for call in self._calls if call.method.lower() == method.lower()]

    def rejections(self) -> list[CallRecord]:
        """Requests Telegram would have refused because of the request itself.

        4xx answers other than 409, excluding requests that got an injected fault
        and flood control's 429s (see ``flood_limited``); and, as a pseudo-call
        ``answerCallbackQuery`` with ``seq`` 0, every callback query the bot
        received and left unanswered until it expired (the user saw a spinner).
        """
        rejected = [call for call in self._calls if call.rejected]
        timeout = self._world.settings.callback_query_timeout
        for query in self._world.unanswered_callbacks(older_than=timeout):
            rejected.append(CallRecord(0, "answerCallbackQuery", {"callback_query_id": query.id}, {},
                                       http_status=400, description="callback query never answered",
                                       rejected=True))
        return rejected

    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries the bot received (update confirmed) and has not answered yet."""
        return [query.id for query in self._world.unanswered_callbacks()]

    def flood_limited(self) -> list[CallRecord]:
        """Calls that flood control answered with 429 (``flood_control`` mode)."""
        return [call for call in self._calls if call.flood_limited]

    def documents(self, chat_id: int) -> list[UploadedFile]:
        state = self._world.chat_state(chat_id)
        return list(state.documents) if state else []

    def photos(self, chat_id: int) -> list[UploadedFile]:
        state = self._world.chat_state(chat_id)
        return list(state.photos) if state else []

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        scope = scope or {"type": "default"}
        key = ":".join(str(scope[k]) for k in ("type", "chat_id", "user_id") if k in scope)
        return [dict(c) for c in self._world.commands.get((key, language_code), [])]

    @property
    def my_commands(self) -> list[dict[str, str]]:
        """The command list for the default scope and no language."""
        return self.commands()

    @property
    def set_commands_result(self) -> bool | str | None:
        """True after a successful setMyCommands, its error description after a failed one."""
        return self._world.set_commands_result

    @property
    def webhook_url(self) -> str | None:
        return self._world.webhook.url if self._world.webhook else None

    @property
    def world(self) -> BotWorld:
        """The emulated state itself, for assertions the helpers above don't cover."""
        return self._world


def _loop_time() -> float:
    return asyncio.get_running_loop().time()

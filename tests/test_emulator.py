"""Tests of the Telegram Bot API emulator (tests/emulator), through raw HTTP and through PTB."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.request import HTTPXRequest

from tests.emulator import BotApiEmulator, ManualClock
from tests.emulator.fixtures import emulator  # noqa: F401  (the fixture)
from tests.emulator.html_parse_mode import HtmlParseError, parse_html

# --- helpers -------------------------------------------------------------------------


class Api:
    """Raw HTTP access to the emulator, the way any Bot API client would talk to it."""

    def __init__(self, emu: BotApiEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    def url(self, method: str, token: str | None = None) -> str:
        return f"{self.emu.base_url}{token or self.emu.token}/{method}"

    async def post(self, method: str, *, token: str | None = None, **params: Any) -> tuple[int, dict[str, Any]]:
        """Form-encoded POST, nested objects JSON-encoded, as PTB sends them."""
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        async with self.session.post(self.url(method, token), data=form) as response:
            return response.status, await response.json(content_type=None)

    async def post_json(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.session.post(self.url(method), json=body) as response:
            return response.status, await response.json(content_type=None)

    async def get(self, method: str, **query: str) -> tuple[int, dict[str, Any]]:
        async with self.session.get(self.url(method), params=query) as response:
            return response.status, await response.json(content_type=None)

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.post(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self.post(method, **params)
        assert body["ok"] is False and body["error_code"] == status, body
        return status, body["description"]


def ptb_message(description: str) -> str:
    """The message PTB's TelegramError shows for a Bot API description."""
    stripped = description.removeprefix("Bad Request: ")
    return stripped.capitalize() if stripped != description else stripped


def callback_keyboard(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in pairs]]}


@pytest_asyncio.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[Api]:  # noqa: F811
    async with aiohttp.ClientSession() as session:
        yield Api(emulator, session)


@pytest_asyncio.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[telegram.Bot]:  # noqa: F811
    async with telegram.Bot(emulator.token, base_url=emulator.base_url,
                            base_file_url=emulator.base_file_url) as ptb_bot:
        yield ptb_bot


@pytest_asyncio.fixture
async def anna(emulator: BotApiEmulator):  # noqa: F811
    """Anna has written to the bot, so her chat is known to it."""
    user = emulator.user(1001, first_name="Anna")
    await user.send_text("hallo")
    return user


# --- getMe, tokens, routing ------------------------------------------------------------


async def test_get_me_over_raw_http_and_ptb(api: Api, bot: telegram.Bot, emulator: BotApiEmulator) -> None:  # noqa: F811
    me = await api.ok("getMe")
    assert me["id"] == 123456 and me["is_bot"] is True
    assert me["username"] == "checkbot_test_bot"
    ptb_me = await bot.get_me()
    assert (ptb_me.id, ptb_me.username, ptb_me.can_read_all_group_messages) == (
        123456, "checkbot_test_bot", False)
    assert emulator.base_url == f"http://127.0.0.1:{emulator.port}/bot"


async def test_method_names_are_case_insensitive_and_get_with_query_works(api: Api) -> None:
    assert (await api.ok("GETME"))["id"] == 123456
    status, body = await api.get("getme")
    assert status == 200 and body["result"]["username"] == "checkbot_test_bot"


async def test_unknown_method_is_404(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    status, body = await api.post("sendTelepathy", chat_id="1")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [call.method for call in emulator.rejections()] == ["sendTelepathy"]


async def test_wrong_token_is_401_and_malformed_token_404(api: Api) -> None:
    status, body = await api.post("getMe", token="123456:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await api.post("getMe", token="not-a-token")
    assert (status, body["description"]) == (404, "Not Found")


async def test_ptb_raises_invalid_token_for_a_wrong_token(emulator: BotApiEmulator) -> None:  # noqa: F811
    wrong = telegram.Bot("123456:WRONG", base_url=emulator.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()


# --- getUpdates ---------------------------------------------------------------------


async def test_updates_are_redelivered_until_confirmed_by_offset(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001, first_name="Anna")
    first = await anna.send_text("een")
    second = await anna.send_text("twee")
    assert second == first + 1

    texts = [u["message"]["text"] for u in await api.ok("getUpdates")]
    assert texts == ["een", "twee"]
    again = await api.ok("getUpdates")
    assert [u["update_id"] for u in again] == [first, second]

    remaining = await api.ok("getUpdates", offset=second)
    assert [u["update_id"] for u in remaining] == [second]
    assert emulator.confirmed_offset == second
    assert await api.ok("getUpdates", offset=second + 1) == []
    # confirmed updates are gone forever, even for a lower offset
    assert await api.ok("getUpdates", offset=first) == []
    assert emulator.pending_updates() == []


async def test_update_payload_is_real_shaped(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001, first_name="Anna", username="anna_nl")
    await anna.send_command("/start", "payload")
    [update] = await api.ok("getUpdates")
    message = update["message"]
    assert message["text"] == "/start payload"
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert message["chat"] == {"id": 1001, "type": "private", "username": "anna_nl", "first_name": "Anna"}
    assert message["from"]["id"] == 1001 and message["from"]["is_bot"] is False
    assert isinstance(message["date"], int) and message["message_id"] == 1


async def test_negative_offset_keeps_only_the_last_updates(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001)
    ids = [await anna.send_text(str(n)) for n in range(5)]
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=-2)] == ids[-2:]
    assert [u["update_id"] for u in await api.ok("getUpdates")] == ids[-2:]


async def test_limit_bounds_the_batch(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001)
    for n in range(120):
        await anna.send_text(str(n))
    assert len(await api.ok("getUpdates", limit=3)) == 3
    assert len(await api.ok("getUpdates", limit=0)) == 1  # clamped to 1..100
    assert len(await api.ok("getUpdates")) == 100


async def test_long_poll_returns_as_soon_as_a_user_writes(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001)
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(api.ok("getUpdates", timeout=10))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await anna.send_text("wakker?")
    updates = await asyncio.wait_for(poll, 2)
    assert [u["message"]["text"] for u in updates] == ["wakker?"]
    assert loop.time() - started < 2


async def test_long_poll_times_out_empty(api: Api) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 <= loop.time() - started < 3


async def test_a_second_get_updates_terminates_the_waiting_one_with_409(
    api: Api, bot: telegram.Bot, emulator: BotApiEmulator  # noqa: F811
) -> None:
    first = asyncio.create_task(api.post("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert await api.ok("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )
    # the same through PTB, with two bot instances as in real life
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with telegram.Bot(emulator.token, base_url=emulator.base_url) as second_instance:
        await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(waiting, 2)
    assert emulator.rejections() == []  # 409 is not the request's fault


async def test_allowed_updates_is_remembered(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001)
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert await anna.send_text("not wanted") is None
    await api.ok("getUpdates")  # no allowed_updates: the previous setting stays
    assert await anna.send_text("still not wanted") is None
    assert emulator.allowed_updates == ["callback_query"]
    await api.ok("getUpdates", allowed_updates=[])  # empty list: back to the default
    assert await anna.send_text("wanted") is not None


async def test_webhook_blocks_get_updates_and_delete_webhook_drops_pending(
    api: Api, emulator: BotApiEmulator  # noqa: F811
) -> None:
    anna = emulator.user(1001)
    await anna.send_text("a")
    await anna.send_text("b")
    status, description = await api.error("setWebhook", url="http://example.com/hook")
    assert (status, description) == (400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    status, body = await api.post("setWebhook", url="https://example.com/hook")
    assert body == {"ok": True, "result": True, "description": "Webhook was set"}
    info = await api.ok("getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == ("https://example.com/hook", 2)
    status, description = await api.error("getUpdates")
    assert status == 409 and description == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    )
    status, body = await api.post("deleteWebhook", drop_pending_updates=True)
    assert body["description"] == "Webhook was deleted"
    assert emulator.pending_updates() == []
    assert (await api.ok("getWebhookInfo")) == {"url": "", "has_custom_certificate": False,
                                                "pending_update_count": 0}
    assert [c.params for c in emulator.calls("deleteWebhook")] == [{"drop_pending_updates": "true"}]


async def test_webhook_delivery_posts_updates_with_the_secret(tmp_path: Any) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    got_two = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if len(received) == 1:
            return web.Response(status=500)  # Telegram retries the same update
        if len(received) == 3:
            got_two.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with BotApiEmulator(allow_insecure_webhooks=True) as emu, telegram.Bot(
            emu.token, base_url=emu.base_url
        ) as ptb_bot:
            assert await ptb_bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
            anna = emu.user(1001)
            first = await anna.send_text("een")
            await anna.send_text("twee")
            await asyncio.wait_for(got_two.wait(), 5)
            assert [(secret, body["update_id"]) for secret, body in received] == [
                ("s3cret", first), ("s3cret", first), ("s3cret", first + 1)]
            info = await ptb_bot.get_webhook_info()
            assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
            for _ in range(50):
                if not emu.pending_updates():
                    break
                await asyncio.sleep(0.02)
            assert emu.pending_updates() == []
    finally:
        await runner.cleanup()


# --- sendMessage and text rules ------------------------------------------------------------


async def test_send_message_result_is_real_shaped_with_utf16_entities(
    api: Api, anna, emulator: BotApiEmulator  # noqa: F811
) -> None:
    result = await api.ok("sendMessage", chat_id="1001", text="😀 <b>vet</b> &amp; <i>schuin</i>",
                          parse_mode="HTML", reply_markup=callback_keyboard(("Ja", "yes")))
    assert result["text"] == "😀 vet & schuin"
    assert result["entities"] == [
        {"offset": 3, "length": 3, "type": "bold"},
        {"offset": 9, "length": 6, "type": "italic"},
    ]
    assert result["from"]["is_bot"] is True and result["from"]["id"] == 123456
    assert result["chat"]["id"] == 1001 and result["message_id"] == 2  # Anna's message was 1
    assert result["reply_markup"] == {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
    second = await api.ok("sendMessage", chat_id=1001, text="plain <b>not parsed</b>")
    assert second["message_id"] == 3 and second["text"] == "plain <b>not parsed</b>"
    assert "entities" not in second


async def test_json_bodies_are_accepted(api: Api, anna) -> None:
    status, body = await api.post_json("sendMessage", {
        "chat_id": 1001, "text": "via json", "reply_markup": callback_keyboard(("A", "a"))})
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("", "Bad Request: message text is empty"),
        ("   ", "Bad Request: text must be non-empty"),
        ("<b></b>", "Bad Request: text must be non-empty"),
        ("<foo>x</foo>", 'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'),
        ("ok <b>open", 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>test</b></i>",
         'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 10, expected "</i>", found "</b>"'),
        ("a < b", 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>',
         'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("é<br>", 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 2'),
    ],
)
async def test_send_message_rejections(api: Api, anna, emulator: BotApiEmulator, text: str,  # noqa: F811
                                        description: str) -> None:
    status, got = await api.error("sendMessage", chat_id="1001", text=text, parse_mode="HTML")
    assert (status, got) == (400, description)
    assert [call.description for call in emulator.rejections()] == [description]


async def test_ptb_sees_bad_request_with_telegrams_message(bot: telegram.Bot, anna) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(1001, "<b>dicht?", parse_mode="HTML")
    assert caught.value.message == ptb_message(
        'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"')
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "hallo")


async def test_html_entities_and_literal_ampersands(api: Api, anna) -> None:
    result = await api.ok("sendMessage", chat_id=1001, parse_mode="HTML",
                          text="Tom & Jerry &lt;3 &#128512; &quot;q&quot; &unknown;")
    assert result["text"] == 'Tom & Jerry <3 😀 "q" &unknown;'


def test_html_parser_links_code_and_blockquotes() -> None:
    text, entities = parse_html(
        '<a href="https://Example.com">site</a> <pre><code class="language-python">x=1</code></pre> '
        '<blockquote expandable>q</blockquote> <a href="no link">weg</a>'
    )
    assert text == "site x=1 q weg"
    assert [e.to_api() for e in entities] == [
        {"offset": 0, "length": 4, "type": "text_link", "url": "https://example.com/"},
        {"offset": 5, "length": 3, "type": "pre", "language": "python"},
        {"offset": 9, "length": 1, "type": "expandable_blockquote"},
    ]
    with pytest.raises(HtmlParseError, match="Unclosed start tag at byte offset 0"):
        parse_html("<b")


async def test_message_length_is_counted_in_utf16_units(api: Api, bot: telegram.Bot, anna) -> None:
    fits = "😀" * 2048  # 2048 characters, 4096 UTF-16 code units
    result = await api.ok("sendMessage", chat_id=1001, text=fits)
    assert result["text"] == fits
    status, description = await api.error("sendMessage", chat_id=1001, text=fits + "a")
    assert (status, description) == (400, "Bad Request: message is too long")
    # the limit applies after entity parsing: markup does not count
    assert await api.ok("sendMessage", chat_id=1001, text=f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="^Message is too long$"):
        await bot.send_message(1001, "é" * 4097)


async def test_text_is_trimmed_and_tabs_become_spaces(api: Api, anna) -> None:
    result = await api.ok("sendMessage", chat_id=1001, text="\n  a\tb \r\n ")
    assert result["text"] == "a b"


async def test_chat_not_found_for_a_user_who_never_wrote(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    emulator.user(2002, first_name="Stil")
    status, description = await api.error("sendMessage", chat_id="2002", text="hoi")
    assert (status, description) == (400, "Bad Request: chat not found")
    status, description = await api.error("sendMessage", text="hoi")
    assert description == "Bad Request: chat_id is empty"


async def test_blocked_user_gives_403(bot: telegram.Bot, anna, api: Api) -> None:
    update_id = await anna.block()
    [update] = [u for u in await api.ok("getUpdates") if u["update_id"] == update_id]
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "hallo?")


async def test_unsupported_parse_mode(api: Api, anna) -> None:
    assert await api.error("sendMessage", chat_id=1001, text="x", parse_mode="BBCode") == (
        400, "Bad Request: unsupported parse_mode")


# --- keyboards and callback queries -----------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "x", "callback_data": "é" * 33}, "Bad Request: BUTTON_DATA_INVALID"),  # 66 bytes
        ({"text": "x", "callback_data": ""},
         "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
        ({"text": "x"},
         "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
        ({"callback_data": "x"}, 'Bad Request: can\'t parse inline keyboard button: Can\'t find field "text"'),
        ({"text": "x", "url": "ftp://example.com"},
         "Bad Request: inline keyboard button URL 'ftp://example.com' is invalid: Unsupported URL protocol"),
    ],
)
async def test_inline_keyboard_rejections(api: Api, anna, button: dict[str, Any], description: str) -> None:
    markup = {"inline_keyboard": [[button]]}
    assert await api.error("sendMessage", chat_id=1001, text="kies", reply_markup=markup) == (400, description)


async def test_callback_data_of_64_bytes_is_fine(api: Api, anna) -> None:
    markup = callback_keyboard(("x", "é" * 32))
    assert (await api.ok("sendMessage", chat_id=1001, text="kies", reply_markup=markup))["message_id"] > 0


async def test_press_sends_a_callback_query_carrying_the_message(
    bot: telegram.Bot, anna, api: Api, emulator: BotApiEmulator  # noqa: F811
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes"),
                                    InlineKeyboardButton("Nee", callback_data="no")],
                                   [InlineKeyboardButton("Site", url="https://example.com")]])
    sent = await bot.send_message(1001, "Doorgaan?", reply_markup=markup)
    assert anna.keyboard(sent.message_id) == [["Ja", "Nee"], ["Site"]]
    assert anna.buttons(sent.message_id) == [("Ja", "yes"), ("Nee", "no"), ("Site", None)]
    with pytest.raises(LookupError):
        await anna.press("Misschien")
    with pytest.raises(ValueError):
        await anna.press("Site")

    update_id = await anna.press("Nee")
    updates = await bot.get_updates()
    query = next(u.callback_query for u in updates if u.update_id == update_id)
    assert query.data == "no" and query.from_user.id == 1001
    assert query.message.message_id == sent.message_id and query.message.text == "Doorgaan?"

    assert await bot.answer_callback_query(query.id, text="Genoteerd", show_alert=True)
    assert [(a.text, a.show_alert, a.data) for a in anna.callback_answers] == [("Genoteerd", True, "no")]
    with pytest.raises(BadRequest) as caught:  # answered already
        await bot.answer_callback_query(query.id)
    assert caught.value.message == ptb_message(
        "Bad Request: query is too old and response timeout expired or query ID is invalid")
    assert await api.error("answerCallbackQuery", callback_query_id="123") == (
        400, "Bad Request: query is too old and response timeout expired or query ID is invalid")


async def test_callback_query_expires_on_the_injected_clock(api: Api) -> None:
    clock = ManualClock()
    async with BotApiEmulator(clock=clock, callback_query_timeout=15) as emu, aiohttp.ClientSession() as s:
        raw = Api(emu, s)
        anna = emu.user(1001)
        await anna.send_text("hoi")
        sent = await raw.ok("sendMessage", chat_id=1001, text="?", reply_markup=callback_keyboard(("A", "a")))
        assert sent["date"] == 1_700_000_000
        await anna.press("A")
        await anna.press_data(sent["message_id"], "forged")
        queries = [u["callback_query"] for u in await raw.ok("getUpdates") if "callback_query" in u]
        assert [q["data"] for q in queries] == ["a", "forged"]
        clock.advance(10)
        assert await raw.ok("answerCallbackQuery", callback_query_id=queries[0]["id"]) is True
        clock.advance(6)
        assert await raw.error("answerCallbackQuery", callback_query_id=queries[1]["id"]) == (
            400, "Bad Request: query is too old and response timeout expired or query ID is invalid")


async def test_callback_answer_text_longer_than_200_characters(api: Api, anna) -> None:
    await api.ok("sendMessage", chat_id=1001, text="?", reply_markup=callback_keyboard(("A", "a")))
    await anna.press("A")
    query_id = [u for u in await api.ok("getUpdates") if "callback_query" in u][0]["callback_query"]["id"]
    assert await api.error("answerCallbackQuery", callback_query_id=query_id, text="x" * 201) == (
        400, "Bad Request: MESSAGE_TOO_LONG")
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="x" * 200)


# --- edits and deletes ---------------------------------------------------------------------------


async def test_edit_message_text_and_not_modified(bot: telegram.Bot, anna) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    sent = await bot.send_message(1001, "<b>Vraag</b>", parse_mode="HTML", reply_markup=markup)
    not_modified = ("Bad Request: message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message")
    with pytest.raises(BadRequest) as caught:
        await bot.edit_message_text("<b>Vraag</b>", 1001, sent.message_id, parse_mode="HTML", reply_markup=markup)
    assert caught.value.message == ptb_message(not_modified)

    # same text, but without reply_markup: the keyboard goes, so it is a modification
    edited = await bot.edit_message_text("<b>Vraag</b>", 1001, sent.message_id, parse_mode="HTML")
    assert edited.reply_markup is None and isinstance(edited.edit_date, dtm.datetime)
    assert anna.keyboard(sent.message_id) == []
    # same characters, different entities: modified too
    edited = await bot.edit_message_text("Vraag", 1001, sent.message_id)
    assert edited.entities == ()
    assert (await anna.next_edit()).plain_text == "Vraag"  # the first edit is the oldest unseen one

    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", 1001, 999)
    with pytest.raises(BadRequest, match="^Message can't be edited$"):
        await bot.edit_message_text("x", 1001, 1)  # Anna's own message


async def test_edit_reply_markup_and_delete(bot: telegram.Bot, anna) -> None:
    sent = await bot.send_message(1001, "Kies")
    with pytest.raises(BadRequest, match="^Message is not modified"):
        await bot.edit_message_reply_markup(1001, sent.message_id)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    edited = await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=markup)
    assert edited.reply_markup == markup
    assert await bot.delete_message(1001, sent.message_id) is True
    assert anna.messages() == []
    with pytest.raises(BadRequest, match="^Message to delete not found$"):
        await bot.delete_message(1001, sent.message_id)
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("weg", 1001, sent.message_id)


# --- files ----------------------------------------------------------------------------------


async def test_send_document_round_trips_bytes_and_name(bot: telegram.Bot, anna, emulator: BotApiEmulator) -> None:  # noqa: F811
    payload = bytes(range(256)) * 40
    sent = await bot.send_document(1001, document=payload, filename="rapport.pdf",
                                   caption="<b>Het rapport</b>", parse_mode="HTML")
    assert sent.document.file_name == "rapport.pdf" and sent.document.file_size == len(payload)
    assert sent.document.mime_type == "application/pdf"
    assert sent.caption == "Het rapport" and sent.caption_entities[0].type == "bold"
    [doc] = emulator.documents(1001)
    assert (doc.filename, doc.content, doc.caption) == ("rapport.pdf", payload, "Het rapport")
    assert emulator.calls("sendDocument")[0].files == {"document": ("rapport.pdf", len(payload))}
    # the same file again by file_id, and downloaded through getFile
    again = await bot.send_document(1001, document=sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload


async def test_send_photo_needs_an_image(bot: telegram.Bot, anna, emulator: BotApiEmulator) -> None:  # noqa: F811
    from tests.emulator.media import TINY_PNG

    sent = await bot.send_photo(1001, photo=TINY_PNG, caption="plaatje")
    assert sent.photo[-1].width == 1 and sent.caption == "plaatje"
    assert emulator.photos(1001)[0].content == TINY_PNG
    with pytest.raises(BadRequest, match="^Image_process_failed$"):
        await bot.send_photo(1001, photo=b"not an image")
    with pytest.raises(BadRequest, match="^Message caption is too long$"):
        await bot.send_photo(1001, photo=TINY_PNG, caption="😀" * 513)
    assert await bot.send_photo(1001, photo=TINY_PNG, caption="😀" * 512)


async def test_send_document_without_document(api: Api, anna) -> None:
    assert await api.error("sendDocument", chat_id=1001) == (400, "Bad Request: there is no document in the request")


# --- commands and chat actions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("commands", "description"),
    [
        ([{"command": "Start", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "bad command", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "", "description": "x"}], "Bad Request: command must be non-empty"),
        ([{"command": "a" * 33, "description": "x"}], "Bad Request: command length must not exceed 32"),
        ([{"command": "start", "description": " "}], "Bad Request: command description must be non-empty"),
        ([{"command": "start", "description": "d" * 257}],
         "Bad Request: command description length must not exceed 256"),
        ([{"command": f"c{n}", "description": "x"} for n in range(101)], "Bad Request: BOT_COMMANDS_TOO_MUCH"),
    ],
)
async def test_set_my_commands_rejections(api: Api, emulator: BotApiEmulator, commands: list[dict[str, str]],  # noqa: F811
                                          description: str) -> None:
    assert await api.error("setMyCommands", commands=commands) == (400, description)
    assert emulator.set_commands_result == description
    assert emulator.my_commands == []


async def test_set_and_get_my_commands(bot: telegram.Bot, emulator: BotApiEmulator) -> None:  # noqa: F811
    commands = [("start", "Begin"), ("help", "Hulp")] + [(f"c{n}", "x") for n in range(98)]
    assert await bot.set_my_commands(commands)
    assert emulator.set_commands_result is True
    assert [c["command"] for c in emulator.my_commands][:2] == ["start", "help"]
    assert [(c.command, c.description) for c in await bot.get_my_commands()][:2] == [
        ("start", "Begin"), ("help", "Hulp")]
    assert await bot.get_my_commands(language_code="de") == ()


async def test_send_chat_action(bot: telegram.Bot, anna, api: Api) -> None:
    assert await bot.send_chat_action(1001, "typing")
    assert anna.chat_actions() == ["typing"]
    assert await api.error("sendChatAction", chat_id=1001, action="dancing") == (
        400, "Bad Request: wrong parameter action in request")


# --- fault injection -------------------------------------------------------------------------


async def test_fault_429_reaches_ptb_as_retry_after(bot: telegram.Bot, emulator: BotApiEmulator, api: Api) -> None:  # noqa: F811
    emulator.inject_fault("getMe", "429", retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.get_me()
    emulator.inject_fault(None, "429", count=2, retry_after=3)
    status, body = await api.post("getMyCommands")
    assert (status, body) == (429, {"ok": False, "error_code": 429,
                                    "description": "Too Many Requests: retry after 3",
                                    "parameters": {"retry_after": 3}})
    assert (await api.post("getMe"))[0] == 429
    assert (await api.post("getMe"))[0] == 200
    faulted = [c for c in emulator.calls() if c.fault]
    assert [c.http_status for c in faulted] == [429, 429, 429]
    assert emulator.rejections() == []


async def test_fault_500_and_502(bot: telegram.Bot, emulator: BotApiEmulator, api: Api) -> None:  # noqa: F811
    emulator.inject_fault("getMe", "500")
    emulator.inject_fault("getMe", "502")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    emulator.inject_fault("getme", "502")
    async with api.session.post(api.url("getMe")) as response:
        assert response.status == 502 and "502 Bad Gateway" in await response.text()
    assert (await bot.get_me()).id == 123456
    assert emulator.rejections() == []


async def test_fault_slow_times_out_a_short_read_timeout(emulator: BotApiEmulator) -> None:  # noqa: F811
    request = HTTPXRequest(read_timeout=0.2)
    async with telegram.Bot(emulator.token, base_url=emulator.base_url, request=request) as ptb_bot:
        emulator.inject_fault("getMyCommands", "slow", delay=0.6)
        with pytest.raises(TimedOut):
            await ptb_bot.get_my_commands()
        emulator.inject_fault("getMyCommands", "slow", delay=0.05)
        assert await ptb_bot.get_my_commands() == ()


async def test_fault_drop_before_and_after(bot: telegram.Bot, anna, emulator: BotApiEmulator) -> None:  # noqa: F811
    emulator.inject_fault("sendMessage", "drop")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "kwijt")
    assert anna.messages() == []
    emulator.inject_fault("sendMessage", "drop_after")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "toch aangekomen")
    assert [m.plain_text for m in anna.messages()] == ["toch aangekomen"]
    assert [(c.fault, c.http_status) for c in emulator.calls("sendMessage")] == [
        ("drop_before", 0), ("drop_after", 0)]
    assert emulator.rejections() == []
    with pytest.raises(ValueError):
        emulator.inject_fault("getMe", "teapot")


# --- the user side and a whole PTB application ----------------------------------------------------


async def test_group_privacy_mode(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    team = emulator.group(-5001, title="Team")
    assert await team.send_text(1001, "gewoon een praatje") is None
    assert await team.send_command(1001, "/start") is not None
    assert await team.send_command(1001, "/help", mention_bot=True) is not None
    assert await team.send_text(1001, "/start@other_bot") is None
    [start, help_] = [u["message"] for u in await api.ok("getUpdates")]
    assert start["chat"] == {"id": -5001, "type": "group", "title": "Team"}
    assert help_["text"] == "/help@checkbot_test_bot"
    sent = await api.ok("sendMessage", chat_id=-5001, text="Hallo team")
    assert await team.send_text(1002, "antwoord", reply_to=sent["message_id"]) is not None


async def test_chat_view_cursors(bot: telegram.Bot, anna) -> None:
    first = await bot.send_message(1001, "een")
    await bot.send_message(1001, "twee")
    await bot.edit_message_text("een!", 1001, first.message_id)
    assert (await anna.next_message()).plain_text == "een"
    assert (await anna.next_message()).plain_text == "twee"
    assert (await anna.next_edit()).plain_text == "een!"
    assert [m.plain_text for m in anna.messages()] == ["een!", "twee"]
    kinds = [(await anna.next_event()).kind for _ in range(3)]
    assert kinds == ["message", "message", "edit"]
    with pytest.raises(TimeoutError):
        await anna.next_message(timeout=0.1)


async def test_user_edit_and_media_updates(api: Api, emulator: BotApiEmulator) -> None:  # noqa: F811
    anna = emulator.user(1001)
    await anna.send_text("fout")
    await anna.edit_message(1, "goed")
    await anna.send_photo(caption="foto")
    await anna.send_document(b"%PDF-1.4", filename="a.pdf", mime_type="application/pdf")
    await anna.send_voice()
    await anna.send_sticker()
    updates = await api.ok("getUpdates")
    assert updates[1]["edited_message"]["text"] == "goed" and "edit_date" in updates[1]["edited_message"]
    assert updates[2]["message"]["caption"] == "foto" and updates[2]["message"]["photo"][0]["width"] == 1
    assert updates[3]["message"]["document"]["file_name"] == "a.pdf"
    assert "voice" in updates[4]["message"] and updates[5]["message"]["sticker"]["emoji"] == "👍"
    file_info = await api.ok("getFile", file_id=updates[3]["message"]["document"]["file_id"])
    async with api.session.get(f"{emulator.base_file_url}{emulator.token}/{file_info['file_path']}") as resp:
        assert await resp.read() == b"%PDF-1.4"


async def test_ptb_application_end_to_end(emulator: BotApiEmulator) -> None:  # noqa: F811
    async def start(update: telegram.Update, context: Any) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja"),
                                          InlineKeyboardButton("Nee", callback_data="nee")]])
        await update.message.reply_text(f"Welkom <b>{update.effective_user.first_name}</b>!",
                                        parse_mode="HTML", reply_markup=keyboard)

    async def choice(update: telegram.Update, context: Any) -> None:
        await update.callback_query.answer("Dank je")
        await update.callback_query.edit_message_text(f"Gekozen: {update.callback_query.data}")

    async def echo(update: telegram.Update, context: Any) -> None:
        await update.message.reply_text(update.message.text.upper())

    app = (ApplicationBuilder().token(emulator.token).base_url(emulator.base_url)
           .base_file_url(emulator.base_file_url).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(choice))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        anna = emulator.user(1001, first_name="Anna")
        await anna.send_command("/start")
        welcome = await anna.next_message()
        assert welcome.plain_text == "Welkom Anna!" and welcome.keyboard() == [["Ja", "Nee"]]
        await anna.press("Nee")
        assert (await anna.next_edit()).plain_text == "Gekozen: nee"
        assert [a.text for a in anna.callback_answers] == ["Dank je"]
        await anna.send_text("hoi")
        assert (await anna.next_message()).plain_text == "HOI"
        await app.updater.stop()
        await app.stop()
    methods = [c.method for c in emulator.calls()]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert methods[-1] == "getUpdates" and emulator.calls()[-1].params["timeout"] == "0"
    assert emulator.pending_updates() == []
    assert emulator.rejections() == []

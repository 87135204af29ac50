"""The baseline for ``bench/load.py``: the cheapest bot that makes checkbot's Bot API traffic.

A plain python-telegram-bot application, built the standard way
(``Application.builder()``, PTB's own ``Updater.start_polling``), with the
same HTTP and rate-limiter settings as :class:`bot.telegram.app.CheckbotTelegram`
so the comparison measures checkbot's own work (engine, SQLite, inbox), not
different client settings. Per update it does what checkbot does on the wire:

* ``/start`` or a text: one message with a 2-2-2 inline keyboard (checkbot's question);
* a button press, ``ECHO_STYLE=edit`` (one message per tap, checkbot since
  issue 13): ``answerCallbackQuery`` and ``editMessageText`` of the pressed
  message into the next question, keyboard included;
* a button press, ``ECHO_STYLE=send`` (checkbot before issue 13):
  ``answerCallbackQuery``, ``editMessageText`` of the pressed message
  (keyboard removed), and a new message with the next question.

It stores nothing and keeps nothing. Configuration through the environment,
as checkbot: ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL``,
``CHECKBOT_MAX_RATE`` (messages per second overall; above 30 no rate
limiter at all, as checkbot's own limiter then lets everything through), and
``ECHO_CONCURRENT_UPDATES``: 0 for PTB's default sequential processing (one
update at a time), N for ``concurrent_updates(N)``; ``ECHO_EVENT_LOOP``:
``asyncio`` (the default) or ``uvloop`` (checkbot's, see bot/telegram/loop.py).
bench/load.py runs these modes and compares checkbot with the fastest. SIGTERM or SIGINT stops it
after the updates in flight are handled.

    python bench/echo_bot.py
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import signal
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

POLL_TIMEOUT = 30  # checkbot's TelegramConfig.poll_timeout
STYLE = os.environ.get("ECHO_STYLE", "edit")  # "edit": one message per tap; "send": edit + new message
TELEGRAM_OVERALL = 30.0  # messages/s; a CHECKBOT_MAX_RATE above it means no rate limiter
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
LABELS = (("Ja", "j"), ("Deels", "d"), ("Nee", "n"), ("Weet ik niet", "o"))
# about the size of a checkbot question: progress line, bar, one check's text
QUESTION = (
    "<b>Thema {theme}/5 · vraag {number}/24</b>  ▰▰▰▱▱▱▱▱▱▱\n\n"
    "Zijn de landelijke cijfers over de aard en omvang van mensenhandel en "
    "loverboyproblematiek bekend? ({echo})"
)


def question_keyboard(number: int) -> InlineKeyboardMarkup:
    """Three rows of two buttons, callback data shaped like checkbot's ``1|a|<aid>|<check>|<v>``."""
    check = f"{1 + number // 6}.{1 + number % 6}"
    answers = [InlineKeyboardButton(label, callback_data=f"1|a|{number + 1}|{check}|{code}") for label, code in LABELS]
    return InlineKeyboardMarkup(
        [
            answers[:2],
            answers[2:],
            [
                InlineKeyboardButton("Waarom belangrijk?", callback_data=f"1|w|{number + 1}|{check}"),
                InlineKeyboardButton("Overslaan", callback_data=f"1|s|{number + 1}|{check}"),
            ],
        ]
    )


def question(number: int, echo: str) -> str:
    return QUESTION.format(theme=1 + number % 5, number=1 + number % 24, echo=html.escape(echo[:60], quote=False))


async def send_question(context: ContextTypes.DEFAULT_TYPE, chat_id: int, number: int, echo: str) -> None:
    await context.bot.send_message(
        chat_id,
        question(number, echo),
        parse_mode=ParseMode.HTML,
        reply_markup=question_keyboard(number),
        link_preview_options=NO_PREVIEW,
    )


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    await send_question(context, update.effective_chat.id, update.update_id, message.text or "")


def pressed_label(markup: InlineKeyboardMarkup | None, data: str | None) -> str:
    rows = markup.inline_keyboard if markup is not None else ()
    return next((b.text for row in rows for b in row if b.callback_data == data), "?")


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    label = pressed_label(query.message.reply_markup if query.message is not None else None, query.data)
    if STYLE == "edit":
        steps = [query.answer(text=f"✅ {label}")]
        if query.message is not None and query.message.is_accessible:
            steps.append(
                context.bot.edit_message_text(
                    f"Vorige: ✅ {html.escape(label, quote=False)}\n\n{question(update.update_id, label)}",
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=question_keyboard(update.update_id),
                    link_preview_options=NO_PREVIEW,
                )
            )
        await asyncio.gather(*steps)
        return
    await query.answer(text=f"✅ {label}")
    if query.message is not None and query.message.is_accessible:
        chat_id = query.message.chat.id
        await context.bot.edit_message_text(
            f"{html.escape(query.message.text or '', quote=False)}\n\n<b>✅ {html.escape(label, quote=False)}</b>",
            chat_id=chat_id,
            message_id=query.message.message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
        )
        await send_question(context, chat_id, update.update_id, label)


DEFAULT_CONCURRENCY = 0  # PTB's default: one update at a time
CONNECTIONS = 8  # checkbot's bot.telegram.app.CONNECTIONS (tests/test_loop.py holds them equal)


def build(token: str, base_url: str | None, max_rate: float, concurrency: int = DEFAULT_CONCURRENCY) -> Application:
    builder = (
        Application.builder()
        .token(token)
        .concurrent_updates(concurrency if concurrency > 0 else False)
        .connection_pool_size(CONNECTIONS)
        .connect_timeout(10)
        .read_timeout(20)
        .write_timeout(30)
        .pool_timeout(30)
        .get_updates_read_timeout(POLL_TIMEOUT + 10)
    )
    if max_rate <= TELEGRAM_OVERALL:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=max_rate, max_retries=3))
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot", 1))
    app = builder.build()
    app.add_handler(CommandHandler("start", on_message))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_message))
    app.add_handler(CallbackQueryHandler(on_press))
    return app


async def serve(app: Application, stop: asyncio.Event) -> None:
    """What ``Application.run_polling`` does, without taking over the event loop."""
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
        )
        await app.start()
        await stop.wait()
        await app.updater.stop()
        await app.stop()


def main() -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print("echo_bot: TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build(
        token,
        os.environ.get("TELEGRAM_API_BASE_URL") or None,
        float(os.environ.get("CHECKBOT_MAX_RATE") or 30),
        int(os.environ.get("ECHO_CONCURRENT_UPDATES") or DEFAULT_CONCURRENCY),
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, stop)

    if os.environ.get("ECHO_EVENT_LOOP", "asyncio") == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(run())
    else:
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""PTB handlers: a thin door between Telegram updates and the engine."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.engine import Engine
from bot.events import Event, Press, Text, UserRef, parse_command
from bot.telegram.logs import Pseudonyms
from bot.telegram.polling import retry_seconds
from bot.telegram.sender import Priority
from bot.views import Document, Keyboard, Message, Reply

if TYPE_CHECKING:  # Notice is the core's (contract §1); read duck-typed until every Reply has one
    from bot.views import Notice

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
SEND_ATTEMPTS = 4


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


async def with_retries(action, what: str):  # type: ignore[no-untyped-def]
    """Retry a Bot API call on network trouble; flood control is the rate limiter's job.

    A reply that fails after its answer was committed is not lost data, but
    the user would not see the next question: worth a few attempts.
    """
    delay = 0.5
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await action()
        except BadRequest:
            raise
        except RetryAfter as exc:  # the rate limiter gave up: wait it out once more
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(retry_seconds(exc))
        except NetworkError as exc:  # includes TimedOut; Forbidden is not retried
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("%s failed (%s), attempt %d of %d", what, exc.message, attempt, SEND_ATTEMPTS)
            await asyncio.sleep(delay)
            delay *= 2
    return None


@dataclass
class TelegramDoor:
    """Turns updates into engine events and engine replies into Bot API calls."""

    engine: Engine
    pseudonym: Pseudonyms
    bot_username: str | None = None

    def register(self, app: Application) -> None:
        private = filters.ChatType.PRIVATE
        app.add_handler(TypeHandler(Update, self.on_foreign), group=-2)
        app.add_handler(TypeHandler(Update, self.on_group), group=-1)
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, self.on_edited))
        app.add_handler(MessageHandler(private & filters.COMMAND, self.on_command))
        app.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(private & ~filters.TEXT, self.on_other))
        app.add_error_handler(self.on_error)

    # -- handlers --------------------------------------------------------------
    async def on_foreign(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Input from outside the user's own chat does not act: a Telegram Business chat (the
        words of someone who may never have written to the bot) or a forwarded message (someone
        else's words: a forwarded "Ja" is no answer). A forward gets the friendly word."""
        if (
            update.business_message is not None
            or update.edited_business_message is not None
            or update.business_connection is not None
            or update.deleted_business_messages is not None
        ):
            raise ApplicationHandlerStop
        message = update.message
        if message is not None and (message.forward_origin is not None or message.is_automatic_forward):
            chat = update.effective_chat
            if chat is not None and chat.type == ChatType.PRIVATE:
                await self.send(context, chat.id, Message(self.engine.content.texts("unsupported_message")))
            raise ApplicationHandlerStop

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Outside a private chat: point to the private chat, store nothing."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        message = update.message
        if message is not None and message.text and parse_command(message.text, self.bot_username):
            text = self.engine.content.texts("group_chat")
            await with_retries(
                lambda: context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML), "group reply"
            )
        if update.callback_query is not None:
            await self.answer_query(update.callback_query, None)
        raise ApplicationHandlerStop

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        command = parse_command(message.text, self.bot_username)
        if command is None:  # addressed to another bot
            return
        await self.run(update, context, command)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await self.run(update, context, Text(message.text or ""))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        if query.message is None or query.message.chat.type != ChatType.PRIVATE:
            await self.answer_query(query, None)
            return
        await self.run(update, context, Press(query.data or ""), query=query)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits of earlier messages change nothing; the user is told once, briefly."""
        chat = update.effective_chat
        assert chat is not None
        text = self.engine.content.texts("edited_message")
        await self.send(context, chat.id, Message(text))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, documents, locations…: a friendly word."""
        chat = update.effective_chat
        if chat is None or update.effective_message is None:
            return
        text = self.engine.content.texts("unsupported_message")
        await self.send(context, chat.id, Message(text))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(update, Update):
            user = update.effective_user
            log.error(
                "update %d of %s failed: %s",
                update.update_id,
                self.pseudonym(user.id if user else None),
                type(error).__name__,
                exc_info=error,
            )
            chat = update.effective_chat
            if update.callback_query is not None:
                await self.answer_query(update.callback_query, None)
            if chat is not None and chat.type == ChatType.PRIVATE and not isinstance(error, Forbidden):
                text = self.engine.content.texts("error_generic")
                try:
                    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)
                except TelegramError:
                    log.warning("could not tell %s about the error", self.pseudonym(user.id if user else None))
        else:
            log.error("error outside an update: %s", type(error).__name__, exc_info=error)

    # -- the round trip ----------------------------------------------------------
    async def run(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        event: Event,
        *,
        query: CallbackQuery | None = None,
    ) -> None:
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        ref = UserRef(key=f"tg:{user.id}", name=user.first_name)
        reply = await self.engine.handle(ref, event, update_id=update.update_id)
        if reply.duplicate:
            # Applied before a crash or a redelivery: its callback query was (or can no longer
            # be) answered, and the pressed message may show the next screen already (editing it
            # again is "message is not modified"). Show where the user is, as a new message.
            log.info("update %d of %s was applied before; showing the current place", update.update_id, self.pseudonym(user.id))
            query = None
        await self.deliver(context, chat.id, reply, query=query)

    async def deliver(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        reply: Reply,
        *,
        query: CallbackQuery | None = None,
    ) -> None:
        """Contract §1 on the wire: a press costs answerCallbackQuery + one edit, made at once."""
        pressed = query.message if query is not None and query.message is not None else None
        steps = []
        if query is not None:
            steps.append(self.answer_query(query, reply.toast))
        if reply.edit is not None:
            if pressed is not None and pressed.is_accessible:
                steps.append(self.edit(context, chat_id, pressed.message_id, reply.edit))
            else:  # no press, or a message too old for Telegram to include: the next screen is new
                steps.append(self.send(context, chat_id, reply.edit))
        if len(steps) == 2:
            # Neither waits for the other: the toast stops the spinner, the edit shows the next screen.
            await asyncio.gather(*steps)
        elif steps:
            await steps[0]
        for message in reply.messages:
            await self.send(context, chat_id, message)
        for document in reply.documents:
            await self.send_document(context, chat_id, document)
        for notice in getattr(reply, "notices", ()):
            await self.send_notice(context, notice)

    async def answer_query(self, query: CallbackQuery, toast: str | None) -> None:
        try:
            await with_retries(lambda: query.answer(text=(toast or None) and toast[:200]), "answerCallbackQuery")
        except BadRequest as exc:  # too old (e.g. pressed while the bot was down): nothing to answer
            log.info("callback query not answered: %s", exc.message)

    async def send(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, message: Message, *, priority: Priority = Priority.REPLY
    ) -> None:
        await with_retries(
            lambda: context.bot.send_message(
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons),
                link_preview_options=NO_PREVIEW,
                rate_limit_args=priority or None,
            ),
            "sendMessage",
        )

    async def edit(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, message: Message) -> None:
        """Show ``message`` in place of the pressed one; a new message if that one can't be edited."""
        data = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": message.text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": keyboard(message.buttons),
            "link_preview_options": NO_PREVIEW,
        }
        try:
            # Through the bot's own request path (its rate limiter included) without turning
            # Telegram's answer, the whole edited message, into a Message nobody reads: half a
            # millisecond of CPU per tap (bench/load.py --profile).
            await with_retries(lambda: context.bot._post("editMessageText", data), "editMessageText")  # noqa: SLF001
        except BadRequest as exc:
            if "not modified" in exc.message.lower():  # a double tap: the screen is already there
                return
            # older than 48 hours, deleted by the user, ...: the user must still see the next screen
            log.info("could not edit message (%s); sending it as a new one", exc.message)
            await self.send(context, chat_id, message)

    async def send_notice(self, context: ContextTypes.DEFAULT_TYPE, notice: Notice) -> None:
        """A message for another user (e.g. the coordinator role passed on to them)."""
        if not notice.user_key.startswith("tg:"):
            return
        try:
            await self.send(context, int(notice.user_key[3:]), notice.message)
        except (Forbidden, BadRequest) as exc:  # blocked the bot, never started it: they'll see it in the bot
            log.info("notice to %s not delivered: %s", self.pseudonym(notice.user_key), exc.message)

    async def send_document(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, document: Document) -> None:
        caption = document.caption[:1024] or None
        if document.kind == "photo":
            await with_retries(
                lambda: context.bot.send_photo(
                    chat_id, document.data, caption=caption, parse_mode=ParseMode.HTML, filename=document.filename
                ),
                "sendPhoto",
            )
        else:
            await with_retries(
                lambda: context.bot.send_document(
                    chat_id, document.data, filename=document.filename, caption=caption, parse_mode=ParseMode.HTML
                ),
                "sendDocument",
            )

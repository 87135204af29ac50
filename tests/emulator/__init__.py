"""A Telegram Bot API emulator for end-to-end tests (see emulator.py)."""

from .api_errors import BotApiError
from .clock import Clock, ManualClock, SystemClock
from .emulator import BotApiEmulator
from .flood import FloodLimits
from .model import CallbackAnswer, CallRecord, ChatEvent, Message, UploadedFile, User
from .user_side import ChatView, GroupClient, UserClient

__all__ = [
    "BotApiEmulator",
    "BotApiError",
    "CallRecord",
    "CallbackAnswer",
    "ChatEvent",
    "ChatView",
    "FloodLimits",
    "Clock",
    "GroupClient",
    "ManualClock",
    "Message",
    "SystemClock",
    "UploadedFile",
    "User",
    "UserClient",
]

"""A Telegram Bot API server on 127.0.0.1, and the user's side of a chat with the bot: what the
tests and ``backcoach demo`` talk to instead of Telegram. The server (server.py) speaks the Bot
API's formats (formats.py) and keeps what the bot did (records.py); a user (user.py) sends
messages and presses buttons; with a webhook set, updates are posted to the bot as Telegram
does (webhook.py)."""

from bot.fakeapi.records import ApiCall, BotEvent
from bot.fakeapi.server import FakeBotAPI
from bot.fakeapi.user import FakeUser

__all__ = ["ApiCall", "BotEvent", "FakeBotAPI", "FakeUser"]

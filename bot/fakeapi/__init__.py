"""A Telegram Bot API server on 127.0.0.1, and the user's side of a chat with the bot: what the
tests and ``backcoach demo`` talk to instead of Telegram (see server.py). With a webhook set,
it posts updates to the bot as Telegram does (webhook.py)."""

from bot.fakeapi.server import ApiCall, BotEvent, FakeBotAPI, FakeUser

__all__ = ["ApiCall", "BotEvent", "FakeBotAPI", "FakeUser"]

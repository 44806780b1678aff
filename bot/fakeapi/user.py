"""The user's side of a chat with the bot: send messages, press buttons, read what the bot did.

A ``FakeUser`` acts through its ``ChatServer`` (the fake Bot API, bot/fakeapi/server.py), which
turns each act into an update for the bot and records what the bot does in the chat."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot.fakeapi.formats import JsonDict, command_entities, labels
from bot.fakeapi.records import WAIT_SECONDS, BotEvent, Chat


class ChatServer(Protocol):
    """What a user needs of the fake Bot API."""

    bot_user: JsonDict

    def chat(self, chat_id: int) -> Chat: ...

    def queue_update(self, kind: str, payload: JsonDict) -> None: ...

    def open_query(self, presser_id: int) -> str: ...

    def block(self, chat_id: int, *, notify: bool = True) -> None: ...

    def unblock(self, chat_id: int, *, notify: bool = True) -> None: ...

    async def wait_for(self, predicate: Callable[[], bool], seconds: float) -> bool: ...


class FakeUser:
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(self, api: ChatServer, chat: Chat, *, sender: Chat | None = None) -> None:
        self.api, self._chat, self._cursor = api, chat, 0
        self._sender = sender or chat  # who writes: the chat itself, or a member of a group

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def sender(self) -> Chat:
        """Who writes: the chat itself, or a member of a group."""
        return self._sender

    # --- acting ----------------------------------------------------------------------------

    def _say(self, what: str, **content: Any) -> int:
        chat = self._chat
        message_id = chat.next_message_id()
        chat.user_message_ids.add(message_id)
        chat.transcript.append(f"user #{message_id}: {what}")
        self.api.queue_update("message", {
            "message_id": message_id, "from": self._sender.user_dict(), "chat": chat.chat_dict(),
            "date": int(time.time()), **content})
        return message_id

    async def edit(self, message_id: int, text: str) -> None:
        """The user edits a message of theirs; Telegram sends it again as an edited_message."""
        assert message_id in self._chat.user_message_ids, f"#{message_id} is not the user's"
        self._chat.transcript.append(f"user edited #{message_id}: {text!r}")
        self.api.queue_update("edited_message", {
            "message_id": message_id, "from": self._sender.user_dict(),
            "chat": self._chat.chat_dict(), "date": int(time.time()) - 1,
            "edit_date": int(time.time()), "text": text, **command_entities(text)})

    async def send(self, text: str) -> int:
        """The user sends a text message; returns its message_id."""
        return self._say(repr(text), text=text, **command_entities(text))

    async def send_location(self, latitude: float, longitude: float) -> int:
        return self._say(f"location {latitude},{longitude}",
                         location={"latitude": latitude, "longitude": longitude})

    async def press(self, label: str, *, message_id: int | None = None) -> str:
        """Press the inline button `label` on the newest keyboard; returns the query id."""
        message = self._keyboard_message(message_id)
        markup = message.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        found = [b for b in buttons if b["text"] == label] or [
            b for b in buttons if label.lower() in b["text"].lower()]
        if len(found) != 1 or "callback_data" not in found[0]:
            problem = "no callback button" if not found or len(found) == 1 else "several buttons"
            shown = labels(markup)
            raise AssertionError(f"{problem} matching {label!r} on message "
                                 f"#{message['message_id']}; buttons: {shown}")
        return await self.press_data(message["message_id"], found[0]["callback_data"],
                                     label=found[0]["text"])

    async def press_data(self, message_id: int, data: str, *, from_chat_id: int | None = None,
                         label: str | None = None) -> str:
        """Queue a callback query with any data, optionally pressed by another user (forged)."""
        presser = self.api.chat(from_chat_id) if from_chat_id is not None else self._sender
        message = self._chat.messages.get(message_id) or {
            "chat": self._chat.chat_dict(), "message_id": message_id, "date": 0}  # inaccessible
        query_id = self.api.open_query(presser.id)
        what = repr(label) if label else f"data {data!r}"
        self._chat.transcript.append(f"user {presser.id} pressed {what} on #{message_id}")
        self.api.queue_update("callback_query", {
            "id": query_id, "from": presser.user_dict(), "message": copy.deepcopy(message),
            "chat_instance": f"{self.id}0{self.api.bot_user['id']}", "data": data})
        return query_id

    def block(self) -> None:
        self.api.block(self.id)

    def unblock(self) -> None:
        self.api.unblock(self.id)

    # --- reading -----------------------------------------------------------------------------

    @property
    def history(self) -> list[BotEvent]:
        return list(self._chat.events)

    @property
    def messages(self) -> dict[int, JsonDict]:
        """The bot's messages in this chat now (after edits, without deleted ones)."""
        return dict(self._chat.messages)

    def reply_keyboard(self) -> list[str]:
        """The buttons under the message box, if the bot's newest message put some there (a
        reply keyboard: pressing one sends its text)."""
        sent = [event for event in self._chat.events if event.kind == "message"]
        markup = sent[-1].reply_markup if sent else None
        return labels(markup) if markup and "keyboard" in markup else []

    def last_message(self) -> JsonDict:
        if not self._chat.messages:
            raise AssertionError(f"the bot has no messages in chat {self.id}")
        return self._chat.messages[max(self._chat.messages)]

    def buttons(self, message_id: int | None = None) -> list[str]:
        return labels(self._keyboard_message(message_id).get("reply_markup"))

    def _keyboard_message(self, message_id: int | None) -> JsonDict:
        if message_id is not None:
            if message_id not in self._chat.messages:
                raise AssertionError(f"no bot message #{message_id}\n{self.log()}")
            return self._chat.messages[message_id]
        with_keys = [m for m in self._chat.messages.values()
                     if (m.get("reply_markup") or {}).get("inline_keyboard")]
        if not with_keys:
            raise AssertionError(f"no bot message with an inline keyboard\n{self.log()}")
        return max(with_keys, key=lambda m: int(m["message_id"]))

    def log(self) -> str:
        lines = self._chat.transcript or ["(nothing yet)"]
        return f"chat {self.id} ({self._cursor} bot events read):\n  " + "\n  ".join(lines)

    def catch_up(self) -> None:
        """Count everything the bot did so far as read: ``next`` waits for what comes after."""
        self._cursor = len(self._chat.events)

    async def next(self, timeout: float = WAIT_SECONDS) -> BotEvent:
        """The next thing the bot did in this chat, waiting up to `timeout` seconds."""
        if not await self.api.wait_for(lambda: len(self._chat.events) > self._cursor, timeout):
            raise AssertionError(f"no new bot event within {timeout}s; {self.log()}")
        self._cursor += 1
        return self._chat.events[self._cursor - 1]

    async def expect(self, contains: str | None = None, *, kind: str | None = None,
                     timeout: float = WAIT_SECONDS) -> BotEvent:
        """Skip bot events until one of `kind` whose text/caption contains `contains`."""
        deadline, skipped = time.monotonic() + timeout, list[BotEvent]()
        while True:
            try:
                event = await self.next(max(0.0, deadline - time.monotonic()))
            except AssertionError:
                seen = "\n  ".join(map(str, skipped)) or "(nothing)"
                raise AssertionError(f"expected {kind or 'event'} containing {contains!r} within "
                                     f"{timeout}s; skipped:\n  {seen}\n{self.log()}") from None
            if (kind is None or event.kind == kind) and (
                    contains is None or contains.lower() in (event.text or "").lower()):
                return event
            skipped.append(event)

    async def expect_nothing(self, within: float = 0.3) -> None:
        if await self.api.wait_for(lambda: len(self._chat.events) > self._cursor, within):
            raise AssertionError(f"unexpected {self._chat.events[self._cursor]}; {self.log()}")

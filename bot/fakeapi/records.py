"""What the fake Bot API keeps: the calls the bot made, what it did in each chat, the chats."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.fakeapi.formats import JsonDict, labels

Params = dict[str, Any]

# How long a test waits, by default, for something the bot should do. Generous on purpose: a
# busy machine may take seconds where an idle one takes milliseconds (a first chart builds
# matplotlib's font cache), and a wait that ends early only costs time when a test fails.
WAIT_SECONDS = 30.0


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str


@dataclass
class ApiCall:
    """One HTTP call the bot made; `error` is the error description if it failed."""

    method: str
    params: Params
    timestamp: float
    error: str | None = None
    uploads: dict[str, Upload] = field(default_factory=dict)  # multipart files by field name
    outage: str | None = None  # the mode of the outage() that met this call
    connection: tuple[str, int] | None = None  # the client's address and port: its connection


@dataclass
class BotEvent:
    """What the bot did in a chat; kind: message|edit|delete|photo|document|voice|animation|
    callback_answer."""

    kind: str
    chat_id: int
    message_id: int | None
    text: str | None  # message text, caption, or the callback answer's text
    reply_markup: JsonDict | None = None
    parse_mode: str | None = None
    message: JsonDict | None = None  # snapshot of the Message dict after this event
    show_alert: bool = False
    file: bytes | None = None
    file_name: str | None = None
    callback_query_id: str | None = None
    timestamp: float = field(default_factory=time.monotonic)

    @property
    def buttons(self) -> list[str]:
        return labels(self.reply_markup)

    def __str__(self) -> str:
        ref = f" #{self.message_id}" if self.message_id is not None else ""
        keys = f" [{' | '.join(self.buttons)}]" if self.buttons else ""
        return f"bot {self.kind}{ref}: {self.text!r}{keys}"


@dataclass
class Chat:
    id: int
    first_name: str
    language_code: str
    last_message_id: int = 0
    messages: dict[int, JsonDict] = field(default_factory=dict)  # the bot's, current state
    user_message_ids: set[int] = field(default_factory=set)
    events: list[BotEvent] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    title: str | None = None  # a group's name; None for a private chat with the user

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def user_dict(self) -> JsonDict:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name,
                "language_code": self.language_code}

    def chat_dict(self) -> JsonDict:
        if self.title is not None:
            return {"id": self.id, "type": "group", "title": self.title}
        return {"id": self.id, "type": "private", "first_name": self.first_name}

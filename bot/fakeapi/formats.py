"""The Bot API's formats as the fake server checks and answers them: its errors, parameters
as they arrive, Telegram's HTML parse mode, reply markup, image sizes."""

from __future__ import annotations

import html.parser
import json
import struct
from typing import Any, ClassVar

JsonDict = dict[str, Any]

# Parameters that are plain strings; every other string parameter is JSON-decoded if it can be.
STRING_PARAMS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "url", "language_code", "action",
     "photo", "document", "voice", "animation", "inline_message_id", "description",
     "short_description", "name"}
)
BUTTON_ACTIONS = frozenset(
    {"url", "callback_data", "web_app", "login_url", "switch_inline_query", "pay", "copy_text",
     "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game"}
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def decode(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def labels(markup: JsonDict | None) -> list[str]:
    rows = (markup or {}).get("inline_keyboard") or (markup or {}).get("keyboard") or []
    return [b if isinstance(b, str) else str(b.get("text", "")) for row in rows for b in row]


def command_entities(text: str) -> JsonDict:
    """A message that starts with /command carries Telegram's bot_command entity."""
    if not text.startswith("/"):
        return {}
    length = utf16_len(text.split(maxsplit=1)[0])
    return {"entities": [{"type": "bot_command", "offset": 0, "length": length}]}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class HtmlRenderer(html.parser.HTMLParser):
    """Telegram's HTML parse mode: returns plain text and entities, rejects unknown tags."""

    TYPES: ClassVar[dict[str, str]] = {
        "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
        "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
        "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
        "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji"}

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source, self.text, self.entities = source, "", list[JsonDict]()
        self.open: list[tuple[str, int, dict[str, str | None]]] = []

    def _error(self, message: str) -> ApiError:
        line, col = self.getpos()
        chars = sum(len(x) + 1 for x in self.source.split("\n")[: line - 1]) + col
        offset = len(self.source[:chars].encode())
        return bad(f"can't parse entities: {message} at byte offset {offset}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.TYPES:
            raise self._error(f'Unsupported start tag "{tag}"')
        self.open.append((tag, utf16_len(self.text), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f'"</{self.open[-1][0]}>"' if self.open else "nothing"
            raise self._error(f'Unmatched end tag, expected {expected}, found "</{tag}>"')
        name, start, attrs = self.open.pop()
        entity: JsonDict = {"type": self.TYPES[name], "offset": start,
                            "length": utf16_len(self.text) - start}
        if name == "a":
            entity["url"] = attrs.get("href") or ""
        if entity["length"]:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data

    @classmethod
    def render(cls, source: str) -> tuple[str, list[JsonDict]]:
        parser = cls(source)
        parser.feed(source)
        parser.close()
        if parser.open:
            raise bad(f"can't parse entities: Can't find end tag corresponding to start tag "
                       f'"{parser.open[-1][0]}"')
        return parser.text, sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))


def checked_markup(markup: Any) -> JsonDict | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad("BUTTON_DATA_INVALID")
            if not BUTTON_ACTIONS & set(button):
                raise bad("can't parse inline keyboard button: Text buttons are unallowed in "
                           "the inline keyboard")
    return markup


def image_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 800, 600

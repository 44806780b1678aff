"""Sending files the bot made (voice notes, the exercises' pictures): uploaded once, then by id.

Telegram answers an upload with a file id that sends the same file again without uploading
it, so fifty people doing the same workout cost one upload per file. The ids are kept in
memory by file name (``Services.file_ids``): the names of made files are hashes of what made
them, so a name never stands for two contents. A file sent twice at once before the first
answer is back is uploaded twice; that costs a few kilobytes, and waiting for the first
upload would make the second chat wait for the first.

A text with a picture goes as one message where Telegram allows: the picture with the text as
its caption (at most ``CAPTION_LIMIT`` characters); a longer text follows the picture as a
message of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message

CAPTION_LIMIT = 1024  # Telegram's limit, in UTF-16 code units

Send = Callable[[str | bytes], Awaitable[Message]]
Request = Callable[[Callable[[], Awaitable[Message]]], Awaitable[Message]]


def fits_caption(text: str) -> bool:
    return len(text.encode("utf-16-le")) // 2 <= CAPTION_LIMIT


async def send_file(path: Path, send: Send, file_ids: dict[str, str], attachment: str
                    ) -> Message:
    """``send`` the file at ``path``: by its file id if this bot sent it before, else its
    bytes (read off the event loop), keeping the id Telegram gives it under ``attachment``
    ("voice", "animation")."""
    known = file_ids.get(path.name)
    if known is not None:
        return await send(known)
    data = await asyncio.to_thread(path.read_bytes)
    message = await send(data)
    sent = getattr(message, attachment, None)
    if sent is not None:
        file_ids[path.name] = sent.file_id
    return message


async def just_send(call: Callable[[], Awaitable[Message]]) -> Message:
    return await call()


async def send_pictured(
    bot: Bot, chat_id: int, picture: Path | None, text: str,
    markup: InlineKeyboardMarkup | None = None, *, file_ids: dict[str, str],
    request: Request = just_send, **options: Any,
) -> Message:
    """``text`` under the animation at ``picture`` (none: the text alone), with ``markup``;
    returns the message that carries the text. ``request`` makes each call (retries, say);
    ``options`` go to each (timeouts)."""
    def send_text() -> Awaitable[Message]:
        return request(partial(bot.send_message, chat_id, text, reply_markup=markup, **options))

    if picture is None:
        return await send_text()
    caption = fits_caption(text)

    def send_animation(file: str | bytes) -> Awaitable[Message]:
        extra = {"caption": text, "reply_markup": markup} if caption else {}
        return request(partial(bot.send_animation, chat_id, file, filename=picture.name,
                               **extra, **options))

    message = await send_file(picture, send_animation, file_ids, "animation")
    return message if caption else await send_text()

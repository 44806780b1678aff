"""The chat row every other table hangs off."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cache import known_chats
from bot.models import Chat

# The language of the update being handled (handlers.common.remember_language): a chat's row
# made while handling it starts in that language, so that what is sent later without an
# update (a reminder) speaks it too, and the language need not be looked up on every update
# until the row exists.
UPDATE_LANGUAGE: ContextVar[str | None] = ContextVar("update_language", default=None)


def language_for(telegram_code: str | None, languages: Sequence[str]) -> str:
    """The bot's language for Telegram's language_code: its own if we speak it, else the first."""
    code = (telegram_code or "").split("-")[0].lower()
    return code if code in languages else languages[0]


async def ensure_chat(session: AsyncSession, chat_id: int) -> Chat:
    """The chat's row, created when there is first something to store about it."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id, language=UPDATE_LANGUAGE.get())
        session.add(chat)
        await session.flush()
    return chat


async def sync_language(
    session: AsyncSession, chat_id: int, telegram_code: str | None, languages: Sequence[str]
) -> str | None:
    """The chat's stored language, kept in step with Telegram's unless the person chose one
    with /language; None while nothing is stored about the chat (no row is made for it)."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        return None
    if not chat.language_chosen or chat.language not in languages:
        chat.language = language_for(telegram_code, languages)
    return chat.language


async def stored_language(
    sessions: async_sessionmaker, chat_id: int, telegram_code: str | None,
    languages: Sequence[str],
) -> str | None:
    """``sync_language`` in a transaction of its own, or None without one for a chat surely
    without a row (bot/cache/known_chats.py): someone new costs no query."""
    known = known_chats.of_sessions(sessions)
    if known is not None and known.has_none(chat_id):
        return None
    async with sessions.begin() as session:
        return await sync_language(session, chat_id, telegram_code, languages)


async def choose_language(session: AsyncSession, chat_id: int, language: str) -> None:
    chat = await ensure_chat(session, chat_id)
    chat.language, chat.language_chosen = language, True

"""The chat row every other table hangs off."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Chat


async def ensure_chat(session: AsyncSession, chat_id: int) -> Chat:
    """The chat's row, created on first contact."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id)
        session.add(chat)
        await session.flush()
    return chat

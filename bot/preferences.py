"""What the person chose for their chat, with the defaults applied: one place to read it.

/settings shows and changes these (handlers/settings.py); the workout reads them. Two choices
are stored as NULL until the person makes them, so that a default can depend on another choice:

- guidance: ``VOICE`` (voice messages with the text) or ``TEXT`` (text only); default voice.
- auto_continue: whether the next exercise begins by itself; by default on with voice guidance
  (the person is on the floor and listening) and off with text only (they must read first).

The other choices have their own homes and are only read here: the doses (``prefers_harder``,
changed with ``bot.workouts.set_harder_preference``), the language (``bot.chats``, /language)
and the time zone (``bot.reminders``, /timezone).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chats import ensure_chat
from bot.models import Chat

VOICE, TEXT = "voice", "text"
GUIDANCE_CHOICES = (VOICE, TEXT)
DEFAULT_GUIDANCE = VOICE


def auto_continue_default(guidance: str) -> bool:
    """Whether a workout goes on by itself when the person has not said."""
    return guidance == VOICE


@dataclass(frozen=True)
class Preferences:
    guidance: str  # VOICE or TEXT, default applied
    auto_continue: bool  # default applied
    harder: bool
    language: str | None  # None: nothing stored yet, the bot follows Telegram's language
    time_zone: str | None  # None: not set yet

    @property
    def voice(self) -> bool:
        return self.guidance == VOICE


def of_chat(chat: Chat | None) -> Preferences:
    """The preferences a chat row holds, defaults applied; None (no row yet) is all defaults."""
    if chat is None:
        return Preferences(
            guidance=DEFAULT_GUIDANCE, auto_continue=auto_continue_default(DEFAULT_GUIDANCE),
            harder=False, language=None, time_zone=None,
        )
    # A value this version does not know (written by a newer one, say) reads as the default.
    guidance = chat.guidance if chat.guidance in GUIDANCE_CHOICES else DEFAULT_GUIDANCE
    auto_continue = (
        auto_continue_default(guidance) if chat.auto_continue is None else chat.auto_continue
    )
    return Preferences(
        guidance=guidance, auto_continue=auto_continue, harder=chat.prefers_harder,
        language=chat.language, time_zone=chat.time_zone,
    )


async def load(session: AsyncSession, chat_id: int) -> Preferences:
    """The chat's preferences; reading them stores nothing (a chat with no row gets defaults)."""
    return of_chat(await session.get(Chat, chat_id))


async def set_guidance(session: AsyncSession, chat_id: int, guidance: str) -> None:
    if guidance not in GUIDANCE_CHOICES:
        raise ValueError(f"guidance must be one of {GUIDANCE_CHOICES}, not {guidance!r}")
    (await ensure_chat(session, chat_id)).guidance = guidance


async def set_auto_continue(session: AsyncSession, chat_id: int, on: bool) -> None:
    (await ensure_chat(session, chat_id)).auto_continue = bool(on)

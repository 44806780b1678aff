"""What the bot keeps in memory of the database, so that a common update needs no query:
each chat's latest screen (``latest_screens``), and which chats have a row (``known_chats``).

Each cache belongs to one sessionmaker, that is one database (``bot.db.make_sessionmaker`` puts
them in every session's ``info``), and follows the writes its sessions report through
SQLAlchemy's session events, not the code that writes remembering it. Only this process's
writes are seen: the bot is the one process that writes chats and screens (polling gives the
updates to one process).
"""

from __future__ import annotations

from typing import Any

from bot.cache import known_chats, latest_screens


def new_caches() -> dict[str, Any]:
    """The caches of a new sessionmaker, for its ``info``."""
    return {known_chats.INFO_KEY: known_chats.KnownChats(),
            latest_screens.INFO_KEY: latest_screens.LatestScreens()}

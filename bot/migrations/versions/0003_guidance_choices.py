"""How a workout is led: voice or text guidance, and whether it goes on by itself.

Two per-chat choices made in /settings (see bot/preferences.py), both NULL until the person
makes them, which the bot reads as the defaults:

- ``chats.guidance``: "voice" (voice messages with the text) or "text" (text only); NULL
  means "voice".
- ``chats.auto_continue``: whether the next exercise begins by itself; NULL means on with
  voice guidance and off with text only.

Every existing chat therefore keeps what it had, and gets the defaults. Both columns are
nullable without a default, so SQLite adds them in place: rebuilding ``chats`` with foreign
keys enforced would cascade to every row that belongs to a chat (see revision 0002).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on every backend, never a batch rebuild (see above).
    op.add_column("chats", sa.Column("guidance", sa.String(length=8), nullable=True))
    op.add_column("chats", sa.Column("auto_continue", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN, which SQLite has had since 3.35: again no rebuild.
    op.drop_column("chats", "auto_continue")
    op.drop_column("chats", "guidance")

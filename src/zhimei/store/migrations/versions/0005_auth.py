"""Studio accounts: password hashes, signed-in sessions and API tokens (hashed, never in clear).

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _stamp(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user"], ["desk_users.name"], name=f"fk_{table}_user_desk_users")


def upgrade() -> None:
    op.create_table(
        "auth_credentials",
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        _stamp("updated_at"),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        _user_fk("auth_credentials"),
        sa.PrimaryKeyConstraint("user", name="pk_auth_credentials"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        _stamp("expires_at"),
        _stamp("last_seen_at"),
        _user_fk("auth_sessions"),
        sa.PrimaryKeyConstraint("id_hash", name="pk_auth_sessions"),
    )
    op.create_index("ix_auth_sessions_user", "auth_sessions", ["user"])
    op.create_index("ix_auth_sessions_expires_at", "auth_sessions", ["expires_at"])
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        _stamp("last_used_at", nullable=True),
        _stamp("revoked_at", nullable=True),
        _user_fk("auth_tokens"),
        sa.PrimaryKeyConstraint("id", name="pk_auth_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_auth_tokens_token_hash"),
    )
    op.create_index("ix_auth_tokens_user", "auth_tokens", ["user"])


def downgrade() -> None:
    op.drop_table("auth_tokens")
    op.drop_table("auth_sessions")
    op.drop_table("auth_credentials")

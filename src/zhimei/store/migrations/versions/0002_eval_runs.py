"""Evaluation runs and their per-case outputs and scores.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("prompt_version", sa.String(), nullable=False),
        sa.Column("backend", sa.String(), nullable=False),
        sa.Column("model_requested", sa.String(), nullable=False),
        sa.Column("model_resolved", sa.String(), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("dataset", sa.String(), nullable=False),
        sa.Column("dataset_hash", sa.String(), nullable=False),
        sa.Column("cases_planned", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("metrics", _json(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_eval_runs"),
    )
    op.create_index("ix_eval_runs_created_at", "eval_runs", ["created_at"])
    op.create_index("ix_eval_runs_task_id", "eval_runs", ["task_id"])
    op.create_table(
        "eval_cases",
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("input", _json(), nullable=False),
        sa.Column("refs", _json(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("scores", _json(), nullable=False),
        sa.Column("category", sa.String(), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("generation_id", sa.String(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("usage", _json(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["eval_runs.id"], name="fk_eval_cases_run_id_eval_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "case_id", name="pk_eval_cases"),
    )


def downgrade() -> None:
    op.drop_table("eval_cases")
    op.drop_table("eval_runs")

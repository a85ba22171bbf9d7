"""Knowledge base: articles, versions, events, search log, feedback, deflections.

Revision ID: 0002_knowledge
Revises: 0001_core

Hand-written to match `knowledge.models` (its own metadata and naming convention). People are
plain integer ids without foreign keys: the people table lives in another metadata.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_knowledge"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    """An aware UTC timestamp column (knowledge.models.UTCDateTime)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _article_fk(table: str) -> sa.Column:
    """The article_id column of a child table, deleted with its article."""
    return sa.Column(
        "article_id",
        sa.Integer(),
        sa.ForeignKey(
            "kb_articles.id", name=f"fk_{table}_article_id_kb_articles", ondelete="CASCADE"
        ),
        nullable=False,
    )


def _create_articles() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.Column("unhelpful", sa.Integer(), nullable=False),
        sa.Column("deflections", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("published_at", nullable=True),
        _timestamp("retired_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'published', 'retired')",
            name="ck_kb_articles_status",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_kb_articles"),
        sa.UniqueConstraint("key", name="uq_kb_articles_key"),
    )
    op.create_index("ix_kb_articles_status_category", "kb_articles", ["status", "category"])


def _create_article_children() -> None:
    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk("kb_article_versions"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_kb_article_versions"),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_article_versions"),
    )
    op.create_table(
        "kb_article_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk("kb_article_events"),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_kb_article_events"),
    )
    op.create_index("ix_kb_article_events_article_id", "kb_article_events", ["article_id"])


def _create_use_tables() -> None:
    op.create_table(
        "kb_search_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=500), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("hit_count", sa.Integer(), nullable=False),
        sa.Column("top_key", sa.String(length=100), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_kb_search_log"),
    )
    op.create_index("ix_kb_search_log_normalized", "kb_search_log", ["normalized"])
    op.create_index("ix_kb_search_log_created_at", "kb_search_log", ["created_at"])
    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk("kb_feedback"),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("normalized", sa.String(length=500), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_kb_feedback"),
    )
    op.create_index("ix_kb_feedback_article_id", "kb_feedback", ["article_id"])
    op.create_index("ix_kb_feedback_normalized", "kb_feedback", ["normalized"])
    op.create_table(
        "kb_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        _article_fk("kb_deflections"),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_kb_deflections"),
    )
    op.create_index("ix_kb_deflections_article_id", "kb_deflections", ["article_id"])


def upgrade() -> None:
    """Create the knowledge base tables."""
    _create_articles()
    _create_article_children()
    _create_use_tables()


def downgrade() -> None:
    """Drop the knowledge base tables (children first)."""
    op.drop_index("ix_kb_deflections_article_id", table_name="kb_deflections")
    op.drop_table("kb_deflections")
    op.drop_index("ix_kb_feedback_normalized", table_name="kb_feedback")
    op.drop_index("ix_kb_feedback_article_id", table_name="kb_feedback")
    op.drop_table("kb_feedback")
    op.drop_index("ix_kb_search_log_created_at", table_name="kb_search_log")
    op.drop_index("ix_kb_search_log_normalized", table_name="kb_search_log")
    op.drop_table("kb_search_log")
    op.drop_index("ix_kb_article_events_article_id", table_name="kb_article_events")
    op.drop_table("kb_article_events")
    op.drop_table("kb_article_versions")
    op.drop_index("ix_kb_articles_status_category", table_name="kb_articles")
    op.drop_table("kb_articles")

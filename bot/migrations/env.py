"""Alembic environment: the engine comes from bot.db, never from an ini file."""

from __future__ import annotations

from alembic import context

from bot.models import Base

try:  # the knowledge base keeps its tables on its own metadata
    from knowledge.models import Base as KnowledgeBase

    target_metadata = [Base.metadata, KnowledgeBase.metadata]
except ImportError:  # pragma: no cover - only while knowledge/ is being built
    target_metadata = [Base.metadata]


def run_migrations_online() -> None:
    """Run migrations on the engine that bot.db passed in."""
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

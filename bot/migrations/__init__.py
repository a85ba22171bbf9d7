"""Alembic migrations of the desk's database (bot/migrations/versions, applied by bot.db)."""

# The newest revision; tests/unit/test_directory.py checks it against the version files.
HEAD = "0008_article_questions"

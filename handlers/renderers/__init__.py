"""Renderers: turn domain objects into Chinese text and keyboards within Telegram's limits."""

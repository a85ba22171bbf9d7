"""The sandbox: a Bot API emulator and a web chat page for demos and end-to-end tests."""

from bot.sandbox.emulator import BotApiEmulator, CallRecord
from bot.sandbox.faults import Faults, RateLimits
from bot.sandbox.personas import Persona
from bot.sandbox.webchat import WebChat

__all__ = ["BotApiEmulator", "CallRecord", "Faults", "Persona", "RateLimits", "WebChat"]

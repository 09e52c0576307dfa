"""A local Telegram Bot API emulator with a control API to act as Telegram users."""

from emulator.client import EmulatorClient, Person, Seen
from emulator.server import Emulator

__all__ = ["Emulator", "EmulatorClient", "Person", "Seen"]

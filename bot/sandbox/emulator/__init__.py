"""A loopback Discord (REST API v10 + Gateway) the unmodified discord.py client talks to.

See :class:`DiscordEmulator` and :func:`bot.sandbox.emulator.harness.running_client`.
"""

from .actions import ComponentError
from .commands import CommandError
from .emulator import DiscordEmulator
from .interactions import Deferred, Interaction, InteractionFailed
from .limits import ApiError
from .state import Attachment, Channel, Guild, Member, Message, Role, User

__all__ = [
    "ApiError",
    "Attachment",
    "Channel",
    "CommandError",
    "ComponentError",
    "Deferred",
    "DiscordEmulator",
    "Guild",
    "Interaction",
    "InteractionFailed",
    "Member",
    "Message",
    "Role",
    "User",
]

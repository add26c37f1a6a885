"""Generic fixtures for end-to-end tests against the local Discord emulator.

``emulator`` is a started :class:`DiscordEmulator` (stopped at teardown, which also fails the test
if the bot called a route the emulator does not implement). ``world`` is a demo guild. The
``EmuTestBot`` here is a tiny test bot, not Rally's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from bot.sandbox.emulator import Channel, DiscordEmulator, Guild, Member, Role
from bot.sandbox.emulator.harness import running_client
from bot.sandbox.emulator.state import ADMINISTRATOR
from tests.e2e.rally_process import reap


@dataclass
class World:
    guild: Guild
    channel: Channel
    organizers: Role
    organizer: Member
    anna: Member
    ben: Member


class SignView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Sign", custom_id="sign", style=discord.ButtonStyle.primary)
    async def sign(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_message(
            f"Signed by {interaction.user.name}", ephemeral=True
        )

    @discord.ui.button(label="Close", custom_id="close", style=discord.ButtonStyle.danger)
    async def close(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="Closed", view=None)

    @discord.ui.select(
        custom_id="colour",
        options=[
            discord.SelectOption(label="Red", value="red"),
            discord.SelectOption(label="Blue", value="blue"),
        ],
    )
    async def colour(
        self, interaction: discord.Interaction, select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.send_message(f"Picked {select.values[0]}")


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Your feedback", custom_id="text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks: {self.text.value}")


petition = app_commands.Group(name="petition", description="Petitions")
CODES = [f"PM{n:04d}" for n in range(40)]


@petition.command(name="sign", description="Sign a petition")
async def petition_sign(interaction: discord.Interaction, code: str, times: int = 1) -> None:
    await interaction.response.send_message(f"Signed {code} x{times}")


@petition.command(name="show", description="Show a petition")
async def petition_show(interaction: discord.Interaction, code: str) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send(f"Petition {code}")


@petition_show.autocomplete("code")
async def code_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c, value=c) for c in CODES if c.startswith(current)][:25]


@app_commands.command(name="hello", description="Say hello with a button")
async def hello(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(f"Hello, {interaction.user.name}!", view=SignView())


@app_commands.command(name="feedback", description="Open a modal")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(FeedbackModal())


@app_commands.command(name="announce", description="Post in the channel")
async def announce(interaction: discord.Interaction, text: str, ping: bool = False) -> None:
    assert isinstance(interaction.channel, discord.TextChannel)
    allowed = discord.AllowedMentions(everyone=False, users=False, roles=ping)
    await interaction.channel.send(text, allowed_mentions=allowed)
    await interaction.response.send_message("Posted", ephemeral=True)


@app_commands.command(name="upload", description="Read a file and send it back")
async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
    data = await file.read()
    back = discord.File(fp=__import__("io").BytesIO(data[::-1]), filename="reversed.txt")
    await interaction.response.send_message(f"{file.filename}: {len(data)} bytes", file=back)


@app_commands.command(name="slow", description="Answers too late")
async def slow(interaction: discord.Interaction, seconds: float) -> None:
    await asyncio.sleep(seconds)
    client = interaction.client
    assert isinstance(client, EmuTestBot)
    try:
        await interaction.response.send_message("late")
    except discord.HTTPException as exc:
        client.record_error(exc)


@app_commands.command(name="twice", description="Answers twice")
async def twice(interaction: discord.Interaction) -> None:
    client = interaction.client
    assert isinstance(client, EmuTestBot)
    await interaction.response.send_message("first")
    interaction.response._response_type = None  # bypass discord.py's own guard: ask Discord
    try:
        await interaction.response.send_message("second")
    except discord.HTTPException as exc:
        client.record_error(exc)


class EmuTestBot(commands.AutoShardedBot):
    def __init__(self, **options: Any) -> None:
        intents = options.pop("intents", discord.Intents.none())
        intents.guilds = True
        options.setdefault("guild_ready_timeout", 0.05)
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, **options)
        self.errors: list[discord.HTTPException] = []
        self._error_seen = asyncio.Event()
        self.interactions_seen = 0

    def record_error(self, exc: discord.HTTPException) -> None:
        self.errors.append(exc)
        self._error_seen.set()

    async def first_error(self, timeout: float = 2.0) -> discord.HTTPException:
        await asyncio.wait_for(self._error_seen.wait(), timeout)
        return self.errors[0]

    async def setup_hook(self) -> None:
        self.add_view(SignView())
        for cmd in (petition, hello, feedback, announce, upload, slow, twice):
            self.tree.add_command(cmd)
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # no 5-second wait between IDENTIFYs in tests

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interactions_seen += 1


async def post_raw(bot: discord.Client, channel_id: int, payload: dict[str, Any]) -> Any:
    """Send an arbitrary message body through discord.py's real HTTP client (no client checks)."""
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    return await bot.http.request(route, json=payload)


def build_world(emu: DiscordEmulator) -> World:
    guild = emu.create_guild("Demo", locale="en-US")
    channel = emu.create_channel(guild, "announcements")
    organizers = emu.create_role(guild, "Organizer", permissions=ADMINISTRATOR, mentionable=True)
    return World(
        guild=guild,
        channel=channel,
        organizers=organizers,
        organizer=emu.create_member(guild, "olga", roles=[organizers]),
        anna=emu.create_member(guild, "anna"),
        ben=emu.create_member(guild, "ben", locale="de"),
    )


@pytest.fixture(autouse=True)
async def _no_bot_outlives_its_test() -> AsyncIterator[None]:
    yield
    await reap()


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    emu = DiscordEmulator(interaction_deadline=3.0)
    await emu.start()
    try:
        yield emu
        emu.assert_no_unhandled()
    finally:
        await emu.stop()


@pytest.fixture
def world(emulator: DiscordEmulator) -> World:
    return build_world(emulator)


@pytest.fixture
async def test_bot(emulator: DiscordEmulator, world: World) -> AsyncIterator[EmuTestBot]:
    async with running_client(EmuTestBot(), emulator) as bot:
        yield bot

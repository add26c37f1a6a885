"""The unmodified discord.py client against the emulator: login, commands, components, modals."""

from __future__ import annotations

import discord
import pytest

from bot.sandbox.emulator import (
    Attachment,
    CommandError,
    ComponentError,
    Deferred,
    DiscordEmulator,
)

from .conftest import EmuTestBot, World


async def test_login_ready_and_guild_create(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    assert test_bot.user is not None and test_bot.user.id == emulator.bot_user.id
    guild = test_bot.get_guild(world.guild.id)
    assert guild is not None and guild.name == "Demo"
    assert guild.get_channel(world.channel.id) is not None
    assert guild.get_role(world.organizers.id) is not None
    assert guild.me is not None
    assert test_bot.shard_count == 1
    assert ("GET", "/gateway/bot", 200) in emulator.requests
    synced = {c["name"] for c in emulator.commands.global_commands.values()}
    assert {"petition", "hello", "feedback"} <= synced
    assert emulator.gateway.identifies == 1


async def test_slash_command_round_trip(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    it = await emulator.run_command(
        world.anna, world.channel, "petition sign", {"code": "PMFZYI", "times": 2}
    )
    msg = await it.response()
    assert msg.content == "Signed PMFZYI x2"
    assert not it.ephemeral and not it.failed
    assert emulator.messages(world.channel.id) == [msg]
    assert msg.interaction_metadata is not None and msg.interaction_metadata["name"] == "petition"


async def test_command_resolution_errors(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    with pytest.raises(CommandError, match="no command"):
        await emulator.run_command(world.anna, world.channel, "nope")
    with pytest.raises(CommandError, match="subcommand"):
        await emulator.run_command(world.anna, world.channel, "petition burn", {"code": "X"})
    with pytest.raises(CommandError, match="required option 'code' missing"):
        await emulator.run_command(world.anna, world.channel, "petition sign")
    with pytest.raises(CommandError, match="unknown option"):
        await emulator.run_command(
            world.anna, world.channel, "petition sign", {"code": "A", "x": 1}
        )
    with pytest.raises(CommandError, match="integer"):
        await emulator.run_command(
            world.anna, world.channel, "petition sign", {"code": "A", "times": "2"}
        )


async def test_button_and_select_round_trip(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    it = await emulator.run_command(world.anna, world.channel, "hello")
    msg = await it.response()
    assert msg.content == "Hello, anna!"
    assert msg.custom_ids() == ["sign", "close", "colour"]

    click = await emulator.click(world.ben, msg, "sign")
    reply = await click.response()
    assert reply.content == "Signed by ben" and click.ephemeral
    assert reply not in emulator.messages(world.channel.id)

    pick = await emulator.select(world.ben, msg, "colour", ["blue"])
    assert (await pick.response()).content == "Picked blue"

    close = await emulator.click(world.anna, msg, "close")
    updated = await close.response()
    assert updated.id == msg.id and updated.content == "Closed" and updated.components == []
    with pytest.raises(ComponentError):
        await emulator.click(world.anna, msg, "sign")


async def test_modal_round_trip(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    it = await emulator.run_command(world.anna, world.channel, "feedback")
    modal = await it.response()
    assert modal["title"] == "Feedback" and it.modal is modal
    submitted = await emulator.submit_modal(world.anna, it, {"text": "Great petition"})
    assert (await submitted.response()).content == "Thanks: Great petition"
    with pytest.raises(ComponentError):
        await emulator.submit_modal(world.anna, it, {"nope": "x"})


async def test_autocomplete_and_deferred_followup(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    choices = await emulator.autocomplete(
        world.anna, world.channel, "petition show", option="code", value="PM001"
    )
    assert [c["value"] for c in choices] == [f"PM001{n}" for n in range(10)]
    all_choices = await emulator.autocomplete(
        world.anna, world.channel, "petition show", option="code"
    )
    assert len(all_choices) == 25

    it = await emulator.run_command(world.anna, world.channel, "petition show", {"code": "PM0001"})
    assert await it.response() == Deferred(5, False)
    original = await it.wait_original()
    assert original.content == "Petition PM0001"
    assert (await it.wait_followup(1)) is original


async def test_attachment_option_is_readable(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    file = Attachment("notes.txt", b"hello world", "text/plain")
    it = await emulator.run_command(world.anna, world.channel, "upload", {"file": file})
    msg = await it.response()
    assert msg.content == "notes.txt: 11 bytes"
    [sent] = msg.attachments
    assert sent.filename == "reversed.txt" and sent.content == b"dlrow olleh"


async def test_channel_message_and_allowed_mentions(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    text = f"Hey <@&{world.organizers.id}> and <@{world.anna.id}> @everyone"
    it = await emulator.run_command(world.organizer, world.channel, "announce", {"text": text})
    assert (await it.response()).content == "Posted"
    posted = await emulator.wait_for_message(world.channel.id, lambda m: m.content == text)
    assert posted.mention_roles == [] and posted.mentions == [] and not posted.mention_everyone

    it = await emulator.run_command(
        world.organizer, world.channel, "announce", {"text": text, "ping": True}
    )
    await it.response()
    pinged = await emulator.wait_for_message(
        world.channel.id, lambda m: m.content == text, after=posted.id
    )
    assert pinged.mention_roles == [world.organizers.id]
    assert pinged.mentions == [] and not pinged.mention_everyone

    channel = test_bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    default = await channel.send(text)  # no allowed_mentions: Discord parses everything
    stored = emulator.messages(world.channel.id)[-1]
    assert stored.id == default.id
    assert stored.mentions == [world.anna.id] and stored.mention_everyone


async def test_dm_and_role_management(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    user = await test_bot.fetch_user(world.anna.id)
    await user.send("Your petition reached 100 signatures")
    [dm] = emulator.dms(world.anna.id)
    assert dm.content == "Your petition reached 100 signatures"

    guild = test_bot.get_guild(world.guild.id)
    assert guild is not None
    low = emulator.create_role(world.guild, "Signer")
    member = await guild.fetch_member(world.ben.id)
    await member.add_roles(discord.Object(low.id))
    assert low.id in world.ben.roles
    high = emulator.create_role(world.guild, "Admins", position=100)
    with pytest.raises(discord.Forbidden) as info:
        await member.add_roles(discord.Object(high.id))  # above the bot's highest role
    assert info.value.code == 50013 and info.value.text == "Missing Permissions"
    await member.remove_roles(discord.Object(low.id))
    assert low.id not in world.ben.roles


async def test_pins_and_history(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    channel = test_bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("one")
    second = await channel.send("two")
    await first.pin()
    pins = [m.id async for m in channel.pins()]
    assert pins == [first.id]
    history = [m.id async for m in channel.history(limit=10)]
    assert history[:2] == [second.id, first.id]
    await second.edit(content="two!")
    assert emulator.messages(world.channel.id)[1].edited_at is not None
    await second.delete()
    assert [m.content for m in emulator.messages(world.channel.id)] == ["one"]


async def test_one_user_in_three_guilds_is_one_account_with_a_member_in_each(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    guilds = [emulator.create_guild(name) for name in ("Vilnius", "Warsaw")]
    channels = [emulator.create_channel(g, "general") for g in guilds]
    role = emulator.create_role(guilds[0], "Organizers")
    members = [
        emulator.join_guild(guilds[0], world.anna.user, roles=[role]),
        emulator.join_guild(guilds[1], world.anna.user),
    ]
    assert {m.id for m in members} == {world.anna.id}
    assert members[0].roles == [role.id] and world.anna.roles == []
    with pytest.raises(ValueError, match="already a member"):
        emulator.join_guild(guilds[1], world.anna.user)

    seen: list[tuple[int, int | None, list[int]]] = []

    async def record(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.user, discord.Member)
        seen.append(
            (interaction.user.id, interaction.guild_id, [r.id for r in interaction.user.roles])
        )

    test_bot.add_listener(record, "on_interaction")
    for member, channel in [(world.anna, world.channel), *zip(members, channels, strict=True)]:
        it = await emulator.run_command(member, channel, "petition sign", {"code": "PMFZYI"})
        await it.response()
    assert [(u, g) for u, g, _ in seen] == [
        (world.anna.id, world.guild.id),
        (world.anna.id, guilds[0].id),
        (world.anna.id, guilds[1].id),
    ]
    assert role.id in seen[1][2] and role.id not in seen[2][2]

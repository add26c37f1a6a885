"""Rate limits, faults, gateway drops/resumes, deadlines and load, through real discord.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import discord
import pytest

from bot.sandbox.emulator import DiscordEmulator, InteractionFailed
from bot.sandbox.emulator.harness import running_client

from .conftest import EmuTestBot, World, build_world

MESSAGES = "/channels/{channel_id}/messages"


def _text_channel(bot: EmuTestBot, world: World) -> discord.TextChannel:
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_forced_429_is_waited_out(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.faults.fail_next("POST", MESSAGES, status=429, retry_after=0.2)
    started = time.monotonic()
    sent = await _text_channel(test_bot, world).send("after the 429")
    assert time.monotonic() - started >= 0.2
    statuses = [s for m, p, s in emulator.requests if m == "POST" and p.endswith("/messages")]
    assert statuses == [429, 200]
    assert emulator.messages(world.channel.id)[-1].id == sent.id


async def test_429_without_via_is_a_cloudflare_ban(
    world: World, emulator: DiscordEmulator, test_bot: EmuTestBot
) -> None:
    emulator.faults.fail_next("POST", MESSAGES, status=429, via=False)
    with pytest.raises(discord.HTTPException) as info:
        await _text_channel(test_bot, world).send("banned")
    assert info.value.status == 429


async def test_bucket_headers_make_the_client_wait(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.ratelimits.configure("POST", MESSAGES, limit=1, window=0.3)
    channel = _text_channel(test_bot, world)
    started = time.monotonic()
    await channel.send("one")
    await channel.send("two")
    assert time.monotonic() - started >= 0.25
    assert [m.content for m in emulator.messages(world.channel.id)] == ["one", "two"]


async def test_global_limit_429s_are_retried(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.ratelimits.global_limit = 3
    emulator.ratelimits.global_window = 0.2
    channel = _text_channel(test_bot, world)
    await asyncio.gather(*(channel.send(f"m{i}") for i in range(6)))
    assert sorted(m.content for m in emulator.messages(world.channel.id)) == [
        f"m{i}" for i in range(6)
    ]
    assert any(is_global for _, _, is_global in emulator.ratelimits.limited)


async def test_500_is_retried(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.faults.fail_next("POST", MESSAGES, status=500)
    await _text_channel(test_bot, world).send("survived")
    statuses = [s for m, p, s in emulator.requests if m == "POST" and p.endswith("/messages")]
    assert statuses == [500, 200]


async def test_503_surfaces_as_server_error(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.faults.fail_next("POST", MESSAGES, status=503)
    with pytest.raises(discord.DiscordServerError):
        await _text_channel(test_bot, world).send("nope")


async def test_gateway_drop_resumes_and_replays_interaction(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    await emulator.drop_gateway(resumable=True)
    assert not emulator.gateway.live_sessions()
    it = await emulator.run_command(world.anna, world.channel, "petition sign", {"code": "LOST"})
    assert (await it.response()).content == "Signed LOST x1"
    assert emulator.gateway.resumes == 1 and emulator.gateway.identifies == 1


async def test_non_resumable_drop_identifies_again(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    await emulator.drop_gateway(resumable=False)
    await emulator.wait_for_gateway(identifies=2)
    it = await emulator.run_command(world.anna, world.channel, "petition sign", {"code": "NEW"})
    assert (await it.response()).content == "Signed NEW x1"


async def test_op7_reconnect_resumes(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    await emulator.gateway.send_reconnect()
    await emulator.wait_for_gateway(resumes=1)
    it = await emulator.run_command(world.anna, world.channel, "hello")
    assert (await it.response()).content == "Hello, anna!"


async def test_delayed_events_still_arrive(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.faults.delay_events(0.2)
    it = await emulator.run_command(world.anna, world.channel, "hello")
    started = time.monotonic()
    await it.response()
    assert time.monotonic() - started >= 0.15


@pytest.fixture
async def fast_heartbeat() -> AsyncIterator[DiscordEmulator]:
    emu = DiscordEmulator(heartbeat_interval=0.1)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


async def test_zombie_connection_reconnects(fast_heartbeat: DiscordEmulator) -> None:
    emu = fast_heartbeat
    world = build_world(emu)
    async with running_client(EmuTestBot(heartbeat_timeout=0.5), emu):
        emu.stop_heartbeat_acks()
        await emu.wait_for_gateway(resumes=1, timeout=5)
        emu.resume_heartbeat_acks()
        it = await emu.run_command(world.anna, world.channel, "hello")
        assert (await it.response()).content == "Hello, anna!"
    assert 4000 in emu.gateway.closes
    emu.assert_no_unhandled()


async def test_bad_token_fails_login(emulator: DiscordEmulator, world: World) -> None:
    with pytest.raises(discord.LoginFailure, match="Improper token"):
        async with running_client(EmuTestBot(), emulator, token="not-the-token"):
            raise AssertionError("should not log in")
    assert ("GET", "/users/@me", 401) in emulator.requests


async def test_privileged_intents_are_refused(emulator: DiscordEmulator, world: World) -> None:
    intents = discord.Intents.none()
    intents.members = True
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(EmuTestBot(intents=intents), emulator):
            raise AssertionError("should not connect")
    assert 4014 in emulator.gateway.closes


async def test_granted_privileged_intents_connect(emulator: DiscordEmulator, world: World) -> None:
    emulator.grant_intents(1 << 1)
    intents = discord.Intents.none()
    intents.members = True
    async with running_client(EmuTestBot(intents=intents), emulator) as bot:
        guild = bot.get_guild(world.guild.id)
        assert guild is not None and guild.get_member(world.anna.id) is not None


async def test_unanswered_interaction_fails(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    emulator.interaction_deadline = 0.3
    it = await emulator.run_command(world.anna, world.channel, "slow", {"seconds": 0.5})
    with pytest.raises(InteractionFailed):
        await it.response()
    assert it.failed
    error = await test_bot.first_error()
    assert isinstance(error, discord.NotFound) and error.code == 10062


async def test_second_initial_response_is_refused(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    it = await emulator.run_command(world.anna, world.channel, "twice")
    assert (await it.response()).content == "first"
    error = await test_bot.first_error()
    assert error.code == 40060 and error.text == "Interaction has already been acknowledged."


async def test_followups_need_a_live_token(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    it = await emulator.run_command(world.anna, world.channel, "hello")
    await it.response()
    webhook = discord.Webhook.partial(emulator.application_id, it.token, client=test_bot)
    followup = await webhook.send("more", wait=True)
    assert (await it.wait_followup(1)).id == followup.id
    emulator.token_lifetime = 0
    with pytest.raises(discord.HTTPException) as info:
        await webhook.send("too late", wait=True)
    assert info.value.status == 401 and info.value.code == 50027


async def test_200_concurrent_interactions(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    members = [emulator.create_member(world.guild, f"m{i}") for i in range(200)]
    started = time.monotonic()
    handles = await asyncio.gather(
        *(
            emulator.run_command(m, world.channel, "petition sign", {"code": f"C{i}"})
            for i, m in enumerate(members)
        )
    )
    replies = await asyncio.gather(*(h.response() for h in handles))
    assert [r.content for r in replies] == [f"Signed C{i} x1" for i in range(200)]
    assert not any(h.failed for h in handles)
    assert time.monotonic() - started < 3.0


async def test_unhandled_routes_fail_loudly(
    emulator: DiscordEmulator, world: World, test_bot: EmuTestBot
) -> None:
    guild = test_bot.get_guild(world.guild.id)
    assert guild is not None
    with pytest.raises(discord.NotFound):
        await guild.fetch_emojis()
    assert emulator.unhandled == [("GET", f"/guilds/{world.guild.id}/emojis")]
    with pytest.raises(AssertionError, match="does not implement"):
        emulator.assert_no_unhandled()
    emulator.unhandled.clear()

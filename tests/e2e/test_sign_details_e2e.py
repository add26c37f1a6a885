"""The first signature on a petition that collects delivery details asks for them once, sealed."""

from __future__ import annotations

from pathlib import Path

from bot.db import Database
from bot.domain.sealing import new_key_pair
from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of

HASH_KEY = "k" * 40


async def test_first_signature_asks_for_details_once_and_seals_them(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    public, _private = new_key_pair()
    path = tmp_path / "r.db"
    async with running_rally(emulator, path, rally_public_key=public, rally_hash_key=HASH_KEY):
        act = Act(emulator, world.channel)
        first = await act.create_petition(world.organizer, title="First")
        second = await act.create_petition(world.organizer, title="Second")
        page = (await act.run(world.anna, "petition show", {"code": first})).original
        assert page is not None
        asked = await act.click(world.anna, page, "rally:sign:1")
        assert asked.modal is not None and asked.original is None  # nothing signed yet
        signed = await emulator.submit_modal(
            world.anna,
            asked,
            {"name": "Ганна Мароз", "postal_code": "10115", "email": "anna@example.org",
             "phone": ""},
        )  # fmt: skip
        assert "You're signer #1 of *First*" in text_of(await signed.response())
        again = await act.run(world.anna, "petition sign", {"code": second})
        assert again.modal is None and "You're signer #1 of *Second*" in text_of(again.original)
        bad = await act.click(world.ben, page, "rally:sign:1")
        refused = await emulator.submit_modal(
            world.ben, bad, {"name": " ", "postal_code": "1", "email": "x", "phone": ""}
        )
        answer = text_of(await refused.response())
        assert refused.ephemeral and answer and "You're signer" not in answer
    db = Database(path)
    await db.open()
    async with db.read() as conn:
        rows = await conn.fetchall("SELECT * FROM signers")
        signatures = await conn.fetchval("SELECT COUNT(*) FROM signatures")
    await db.close()
    assert signatures == 2
    dump = repr([tuple(r) for r in rows])
    assert "Ганна" not in dump and "anna@example.org" not in dump and "10115" not in dump
    assert any(r["sealed_name"] for r in rows)

"""Rotating the organization's key pair through the real CLI (`python -m bot keys ...`): new data is
sealed for the new key at once; `rotate-out` → `reseal` (offline, old private key) → `rotate-in`
moves every older cell to the new key, keeping values members changed meanwhile; afterwards the new
private key alone opens everything, and exports made before open with the old key."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from nacl.public import SealedBox

from bot.__main__ import main
from bot.db import Database
from bot.db.sealed_fields import sealed_columns
from bot.domain.sealing import (
    SINGLE,
    Unsealer,
    _pad,
    key_id,
    load_private_key,
    load_public_key,
    sealed_key_id,
)
from bot.domain.signers import parse_details
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import DRAFT, HASH_KEY, Keys, build

PUBLIC_LINE = re.compile(r"^RALLY_PUBLIC_KEY=(\S+)$", re.M)


async def rally(capfd: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    """Run `python -m bot ARGV` (in a thread: it runs its own event loop); its stdout, or its
    stderr when it fails."""
    assert await asyncio.to_thread(main, list(argv)) == status, capfd.readouterr()
    captured = capfd.readouterr()
    return captured.out if status == 0 else captured.err


async def new_keys(capfd: pytest.CaptureFixture[str], path: Path) -> Keys:
    printed = await rally(capfd, "keys", "new", "--private-key", str(path))
    match = PUBLIC_LINE.search(printed)
    assert match is not None
    return Keys(match.group(1), path.read_text(encoding="ascii").strip())


async def all_sealed(db: Database) -> list[bytes]:
    async with db.read() as conn:
        cells = []
        for table, column in (
            ("signers", "sealed_name"),
            ("signers", "sealed_postal_code"),
            ("signers", "sealed_email"),
            ("signers", "sealed_phone"),
        ):
            rows = await conn.fetchall(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")
            cells += [bytes(r[0]) for r in rows]
        return cells


async def open_export(capfd: pytest.CaptureFixture[str], sealed: Path, *keys: Path) -> str:
    target = sealed.with_name(f"{sealed.stem}-{len(list(sealed.parent.iterdir()))}.csv")
    args = ["export", "--private-key", str(keys[0])]
    for key in keys[1:]:
        args += ["--private-key", str(key)]
    await rally(capfd, *args, str(sealed), "-o", str(target))
    return target.read_text(encoding="utf-8-sig")


async def test_a_full_key_rotation_through_the_cli(
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    old = await new_keys(capfd, old_file)
    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    monkeypatch.setenv("RALLY_HASH_KEY", HASH_KEY.decode())
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)

    # life under the old key: an imported list (batch seals), members' details (single seals)
    services = build(db, clock, old)
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.signers.set_collects_details(organizer(), petition.code, True)
    listing = tmp_path / "list.csv"
    listing.write_text(
        "name,zip,email\nAnna Kowalska,02134,anna@example.org\nЯнка Іваноў,220004,\n",
        encoding="utf-8",
    )
    await services.imports.run(organizer(), petition.code, listing, listing.name)
    for user, name in ((10, "Olga Bondar"), (11, "Ben Ivanou")):
        await services.petitions.sign(member(user), petition.id)
        await services.signers.save_details(
            member(user), parse_details(name=name, postal_code="10115", phone="+49 30 1234")
        )
    # a cell sealed before key ids existed (format 0x01): it rotates too
    legacy = bytes([SINGLE]) + SealedBox(load_public_key(old.public)).encrypt(_pad("Legacy Name"))
    async with db.transaction() as conn:
        await conn.execute("UPDATE signers SET sealed_name = ? WHERE id = 1", (legacy,))
    old_export = tmp_path / "before.json"
    old_export.write_bytes((await services.exports.delivery_list(organizer(), petition.code)).data)

    # step 1: a new pair; the bot restarts with the new public key and seals new data for it
    new = await new_keys(capfd, new_file)
    monkeypatch.setenv("RALLY_PUBLIC_KEY", new.public)
    services = build(db, clock, new)
    await services.petitions.sign(member(12), petition.id)
    await services.signers.save_details(
        member(12), parse_details(name="Nina Sokal", postal_code="10119")
    )
    old_id, new_id = key_id(load_public_key(old.public)), key_id(load_public_key(new.public))
    status = await rally(capfd, "keys", "status")
    assert f"{new_id}: 2 sealed cells  ← current" in status
    assert f"{old_id}: 10 sealed cells" in status and "(sealed before key ids): 1" in status
    assert "11 sealed cells still need an older key" in status

    # step 2 (host): list what the new key did not seal; only sealed values leave the host
    listed = tmp_path / "to-reseal.json"
    assert "11 sealed cells" in await rally(capfd, "keys", "rotate-out", str(listed))
    body = json.loads(listed.read_text())
    assert len(body["cells"]) == 11 and "Kowalska" not in listed.read_text()
    # meanwhile Ben changes his details (and drops his phone): his new values must stay
    await services.signers.save_details(
        member(11), parse_details(name="Ben Ivanou-Smith", postal_code="10117")
    )

    # step 3 (offline): the new private key cannot reseal; the old one can
    resealed = tmp_path / "resealed.json"
    refused = await rally(
        capfd, "keys", "reseal", "--private-key", str(new_file), "--public-key", new.public,
        str(listed), "-o", str(resealed), status=2,
    )  # fmt: skip
    assert "11 cells were not sealed for the private key(s) given" in refused
    assert not resealed.exists()
    done = await rally(
        capfd, "keys", "reseal", "--private-key", str(old_file), "--public-key", new.public,
        str(listed), "-o", str(resealed),
    )  # fmt: skip
    assert f"11 cells sealed for key {new_id}" in done

    # a file resealed for some other key is refused on the host, and nothing changes
    before = await all_sealed(db)
    other = await new_keys(capfd, tmp_path / "other.key")
    wrong = tmp_path / "wrong.json"
    await rally(
        capfd, "keys", "reseal", "--private-key", str(old_file), "--public-key", other.public,
        str(listed), "-o", str(wrong),
    )  # fmt: skip
    assert "RALLY_PUBLIC_KEY is key" in await rally(
        capfd, "keys", "rotate-in", str(wrong), status=2
    )
    assert await all_sealed(db) == before

    # step 4 (host): swap them in; Ben's changed cells (name, postal code, phone) are kept
    swapped = await rally(capfd, "keys", "rotate-in", str(resealed))
    assert "8 cells now sealed" in swapped and "3 had changed since rotate-out" in swapped
    status = await rally(capfd, "keys", "status")
    assert "0 sealed cells still need an older key" in status
    assert f"{new_id}: 12 sealed cells  ← current" in status

    # the new private key alone opens every cell; the old one opens none
    only_new, only_old = Unsealer(load_private_key(new.private)), old.unsealer
    opened = sorted(only_new.open(cell) for cell in await all_sealed(db))
    assert "Legacy Name" in opened and "Ben Ivanou-Smith" in opened and "Ben Ivanou" not in opened
    assert "Янка Іваноў" in opened and "anna@example.org" in opened and "Nina Sokal" in opened
    assert all(sealed_key_id(cell) == new_id for cell in await all_sealed(db))
    with pytest.raises(Exception, match="not among the keys given"):
        only_old.open((await all_sealed(db))[0])

    # exports: today's opens with the new key; one made before opens with the old key
    new_export = tmp_path / "after.json"
    new_export.write_bytes((await services.exports.delivery_list(organizer(), petition.code)).data)
    text = await open_export(capfd, new_export, new_file)
    assert "Legacy Name" in text and "Ben Ivanou-Smith" in text and "Nina Sokal" in text
    assert "Olga Bondar" in await open_export(capfd, old_export, old_file)
    assert "Olga Bondar" in await open_export(capfd, old_export, new_file, old_file)
    refused = await rally(
        capfd, "export", "--private-key", str(old_file), str(new_export), status=2
    )
    assert "was not sealed for the private key(s) given" in refused


async def test_every_sealed_column_of_every_table_is_rotated(db: Database) -> None:
    async with db.read() as conn:
        found = await sealed_columns(conn)
        declared = [
            (str(t), str(c))
            for t, c in await conn.fetchall(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
                "WHERE m.type = 'table' AND (p.name LIKE '%seal%' OR p.type = 'BLOB')"
            )
        ]
    assert sorted(found) == sorted(declared)  # every BLOB column in Rally is sealed
    assert {t for t, _ in found} >= {"signers", "import_rows", "webhook_events"}

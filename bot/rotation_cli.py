"""Rotating the organization's key pair, in three steps that keep the private key off the host.

    (host)     python -m bot keys rotate-out to-reseal.json
    (offline)  python -m bot keys reseal --private-key OLD.key --public-key NEW to-reseal.json \\
                   -o resealed.json
    (host)     python -m bot keys rotate-in resealed.json
    (host)     python -m bot keys status

Before them the bot's RALLY_PUBLIC_KEY is set to the new public key (`keys new`) and the bot
restarted, so everything sealed from then on is sealed for the new key. `rotate-out` lists every
sealed cell not sealed for that key (the files hold only sealed values: safe to carry); `reseal`,
on the organizer's machine, opens each with the old private key and seals it for the new public
key; `rotate-in` swaps each cell only where it still holds the value that was listed, so a member
who changed their details meanwhile keeps the newer value. `status` counts sealed cells per key:
once nothing is left on the old key, the old private key can be destroyed. SECURITY.md says more.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from pathlib import Path
from typing import Any, TextIO

from nacl.exceptions import CryptoError

from bot.config import Settings
from bot.db import Database
from bot.db.sealed_fields import SealedCell, cells_not_sealed_for, count_by_key, swap
from bot.domain.sealing import (
    KeyFormatError,
    Sealer,
    Unsealer,
    key_id,
    load_private_key,
    load_public_key,
    sealed_key_id,
)

RESEAL_FORMAT = "rally-reseal"
RESEAL_VERSION = 1
SWAP_BATCH = 500
HOST_COMMANDS = frozenset({"status", "rotate-out", "rotate-in"})


class RotationError(Exception):
    """A one-line reason the rotation step could not run; nothing was changed."""


def add_parsers(keys_sub: Any) -> None:
    """`keys status | rotate-out | reseal | rotate-in` under `keys`."""
    keys_sub.add_parser("status", help="count sealed cells per key (on the bot's host)")
    out = keys_sub.add_parser("rotate-out", help="list cells not sealed for RALLY_PUBLIC_KEY")
    out.add_argument("file", type=Path)
    reseal = keys_sub.add_parser("reseal", help="offline: seal listed cells for the new key")
    reseal.add_argument("--private-key", type=Path, action="append", required=True)
    reseal.add_argument("--public-key", required=True, help="the new RALLY_PUBLIC_KEY")
    reseal.add_argument("file", type=Path)
    reseal.add_argument("-o", "--output", type=Path, required=True)
    into = keys_sub.add_parser("rotate-in", help="put resealed cells back (on the bot's host)")
    into.add_argument("file", type=Path)


# -- files -------------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def write_new_file(path: Path, body: dict[str, Any]) -> None:
    """Write JSON to a new owner-only file; never overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise RotationError(f"{path} already exists; choose another name") from None
    except OSError as exc:
        raise RotationError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle)


def read_file(path: Path, stage: str) -> dict[str, Any]:
    try:
        body = json.loads(path.read_bytes())
    except OSError as exc:
        raise RotationError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise RotationError(f"{path} is not a Rally key-rotation file (not JSON)") from None
    if not isinstance(body, dict) or body.get("format") != RESEAL_FORMAT:
        raise RotationError(f"{path} is not a Rally key-rotation file")
    if body.get("version") != RESEAL_VERSION:
        raise RotationError(f"{path} has version {body.get('version')}; upgrade Rally")
    if body.get("stage") != stage:
        raise RotationError(f"{path} is a '{body.get('stage')}' file; this step needs '{stage}'")
    return body


def _cell(row: list[Any]) -> SealedCell:
    table, column, rowid, sealed = row[:4]
    return SealedCell(str(table), str(column), int(rowid), base64.b64decode(sealed))


# -- offline -----------------------------------------------------------------------------------
def reseal_file(
    private_keys: list[Path], public_key: str, source: Path, output: Path, out: TextIO
) -> int:
    """Open every listed cell with the old private key(s) and seal it for the new public key."""
    try:
        keys = [load_private_key(p.read_text(encoding="ascii")) for p in private_keys]
        new_public = load_public_key(public_key)
    except (OSError, UnicodeDecodeError):
        raise RotationError("cannot read a private key file") from None
    except KeyFormatError as exc:
        raise RotationError(str(exc)) from None
    unsealer = Unsealer(*keys)
    new_id = key_id(new_public)
    body = read_file(source, "to-reseal")
    rows: list[list[Any]] = []
    sealer = Sealer(new_public)
    batch = sealer.batch()
    unopened = 0
    for n, row in enumerate(body["cells"]):
        cell = _cell(row)
        if sealed_key_id(cell.sealed) == new_id:
            continue  # sealed for the new key already
        if n % 1000 == 0:
            batch = sealer.batch()  # a fresh ephemeral key every thousand cells
        try:
            new = batch.seal(unsealer.open(cell.sealed))
        except CryptoError:
            unopened += 1
            continue
        rows.append([cell.table, cell.column, cell.rowid, _b64(cell.sealed), _b64(new)])
    if unopened:
        raise RotationError(
            f"{unopened} cells were not sealed for the private key(s) given (key ids "
            f"{', '.join(unsealer.key_ids)}); nothing was written. Add the missing key with "
            "another --private-key."
        )
    write_new_file(
        output,
        {
            "format": RESEAL_FORMAT,
            "version": RESEAL_VERSION,
            "stage": "resealed",
            "key_id": new_id,
            "cells": rows,
        },
    )
    out.write(f"{len(rows)} cells sealed for key {new_id}, written to {output}\n")
    return 0


# -- on the bot's host -------------------------------------------------------------------------
def _current_key(settings: Settings) -> str:
    if not settings.rally_public_key:
        raise RotationError("RALLY_PUBLIC_KEY is not set: set the new public key first")
    return key_id(load_public_key(settings.rally_public_key))


async def _open(settings: Settings) -> Database:
    if not settings.database_path.exists():
        raise RotationError(f"there is no database at {settings.database_path}")
    db = Database(settings.database_path)
    await db.open(migrate=False)
    return db


async def status(settings: Settings, out: TextIO) -> int:
    current = _current_key(settings) if settings.rally_public_key else None
    db = await _open(settings)
    try:
        async with db.read() as conn:
            counts = await count_by_key(conn)
    finally:
        await db.close()
    out.write(f"RALLY_PUBLIC_KEY has key id {current or '(not set)'}\n")
    for kid, count in sorted(counts.items()):
        label = kid or "(sealed before key ids)"
        mark = "  ← current" if kid == current else ""
        out.write(f"{label}: {count} sealed cells{mark}\n")
    left = sum(count for kid, count in counts.items() if kid != current)
    out.write(f"{left} sealed cells still need an older key\n")
    return 0


async def rotate_out(settings: Settings, target: Path, out: TextIO) -> int:
    current = _current_key(settings)
    db = await _open(settings)
    try:
        async with db.read() as conn:
            cells = [
                [c.table, c.column, c.rowid, _b64(c.sealed)]
                async for c in cells_not_sealed_for(conn, current)
            ]
    finally:
        await db.close()
    write_new_file(
        target,
        {"format": RESEAL_FORMAT, "version": RESEAL_VERSION, "stage": "to-reseal", "cells": cells},
    )
    out.write(
        f"{len(cells)} sealed cells not sealed for key {current} written to {target}. Carry it to "
        "the machine with the old private key and run `keys reseal` there.\n"
    )
    return 0


async def rotate_in(settings: Settings, source: Path, out: TextIO) -> int:
    current = _current_key(settings)
    body = read_file(source, "resealed")
    if body.get("key_id") != current:
        raise RotationError(
            f"{source} was sealed for key {body.get('key_id')}, but RALLY_PUBLIC_KEY is key "
            f"{current}; nothing was changed"
        )
    changes = []
    for row in body["cells"]:
        new = base64.b64decode(row[4])
        if sealed_key_id(new) != current:
            raise RotationError(f"{source} holds a cell not sealed for key {current}")
        changes.append((_cell(row), new))
    db = await _open(settings)
    swapped = kept = 0
    try:
        for start in range(0, len(changes), SWAP_BATCH):
            async with db.transaction() as conn:
                done, left = await swap(conn, changes[start : start + SWAP_BATCH])
            swapped, kept = swapped + done, kept + left
    finally:
        await db.close()
    out.write(
        f"{swapped} cells now sealed for key {current}; {kept} had changed since rotate-out and "
        "were left as they are. Run `keys status` to see what still needs the old key.\n"
    )
    return 0


async def run_on_host(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    if args.keys_command == "status":
        return await status(settings, out)
    if args.keys_command == "rotate-out":
        return await rotate_out(settings, args.file, out)
    return await rotate_in(settings, args.file, out)

"""Key commands for organizers, run on their own machine: make keys, open a sealed export.

    python -m bot keys new [--private-key rally-private.key]
    python -m bot export --private-key rally-private.key [--private-key old.key] sealed.json
    python -m bot keys reseal ...   (a key rotation's offline step: bot/rotation_cli.py)

None of these needs the bot's settings: the private key never goes near the bot. The rotation's
host-side steps (`keys status`, `keys rotate-out`, `keys rotate-in`) do, and run from
`run_on_host` once the settings are loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from nacl.exceptions import CryptoError

from bot import rotation_cli
from bot.config import Settings
from bot.domain.csv_rows import csv_text
from bot.domain.sealing import (
    KeyFormatError,
    Unsealer,
    load_private_key,
    new_hash_key,
    new_key_pair,
)
from bot.services.exports import EXPORT_FORMAT, EXPORT_VERSION

DEFAULT_PRIVATE_KEY = Path("rally-private.key")


class KeyCommandError(Exception):
    """A one-line reason the command could not do its work."""


def _write_private(path: Path, text: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyCommandError(f"{path} already exists; Rally will not overwrite a key") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")


def keys_new(private_key_path: Path, out: TextIO) -> int:
    """Make a key pair: write the private key to a new owner-only file, print the .env lines."""
    public, private = new_key_pair()
    _write_private(private_key_path, private)
    out.write(
        f"Private key written to {private_key_path} (owner-only). Keep it offline: whoever has it "
        "can read every sealed name, postal code, email and phone number. The bot never needs it.\n"
        "\nPut these lines in the bot's .env:\n"
        f"RALLY_PUBLIC_KEY={public}\n"
        f"RALLY_HASH_KEY={new_hash_key()}\n"
        "\nRALLY_HASH_KEY must stay the same for the life of the database: it is how Rally "
        "recognises a person who signs twice.\n"
    )
    return 0


def read_export(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyCommandError(f"cannot read {path}: {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise KeyCommandError(f"{path} is not a Rally sealed export (not JSON)") from None
    if not isinstance(body, dict) or body.get("format") != EXPORT_FORMAT:
        raise KeyCommandError(f"{path} is not a Rally sealed export")
    if body.get("version") != EXPORT_VERSION:
        raise KeyCommandError(f"{path} has export version {body.get('version')}; upgrade Rally")
    return body


def open_export(body: dict[str, Any], unsealer: Unsealer) -> tuple[list[str], list[list[str]]]:
    """The export's columns and its rows with every sealed cell opened."""
    columns = [str(c) for c in body["columns"]]
    rows = []
    for row in body["rows"]:
        opened = []
        for column, cell in zip(columns, row, strict=True):
            if cell is None or column == "signed_at":
                opened.append("" if cell is None else str(cell))
            else:
                opened.append(unsealer.open(base64.b64decode(cell)))
        rows.append(opened)
    return columns, rows


def load_unsealer(private_key_paths: list[Path]) -> Unsealer:
    """An unsealer with every private key given (the old and the new one during a rotation)."""
    keys = []
    for path in private_key_paths:
        try:
            key_text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise KeyCommandError(f"cannot read the private key {path}") from None
        try:
            keys.append(load_private_key(key_text))
        except KeyFormatError as exc:
            raise KeyCommandError(str(exc)) from None
    return Unsealer(*keys)


def export_csv(
    private_key_paths: list[Path], sealed_path: Path, output: Path | None, out: TextIO
) -> int:
    """Open a sealed export with the private key(s) and write it as CSV (cells escaped)."""
    unsealer = load_unsealer(private_key_paths)
    body = read_export(sealed_path)
    try:
        columns, rows = open_export(body, unsealer)
    except CryptoError:
        raise KeyCommandError(
            f"{sealed_path} was not sealed for the private key(s) given (key ids "
            f"{', '.join(unsealer.key_ids)}), or it was altered"
        ) from None
    target = output or sealed_path.with_name(
        sealed_path.name.removesuffix(".gz").removesuffix(".json") + ".csv"
    )
    text = csv_text(columns, rows)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise KeyCommandError(f"{target} already exists; choose another with -o") from None
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(text)
    out.write(f"{len(rows)} rows of petition {body.get('petition')} written to {target}\n")
    return 0


def add_parsers(sub: Any) -> None:
    """Add `keys new` and `export` to the CLI's subparsers."""
    keys = sub.add_parser("keys", help="make the organization's key pair")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    new = keys_sub.add_parser("new", help="write a new private key file; print the .env lines")
    new.add_argument("--private-key", type=Path, default=DEFAULT_PRIVATE_KEY)
    rotation_cli.add_parsers(keys_sub)
    export = sub.add_parser("export", help="open a sealed export with the private key, as CSV")
    export.add_argument(
        "--private-key", type=Path, action="append", required=True, help="repeat for old keys"
    )
    export.add_argument("sealed", type=Path)
    export.add_argument("-o", "--output", type=Path, default=None)


def run(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int | None:
    """Run an offline key command; None when `args` is not one (the CLI goes on)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        if args.command == "keys" and args.keys_command == "new":
            return keys_new(args.private_key, out)
        if args.command == "keys" and args.keys_command == "reseal":
            return rotation_cli.reseal_file(
                args.private_key, args.public_key, args.file, args.output, out
            )
        if args.command == "export":
            return export_csv(args.private_key, args.sealed, args.output, out)
    except (KeyCommandError, rotation_cli.RotationError) as exc:
        err.write(f"rally: {exc}\n")
        return 2
    return None


def run_on_host(
    args: argparse.Namespace,
    settings: Settings,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`keys status | rotate-out | rotate-in`: the rotation's steps on the bot's host."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        return asyncio.run(rotation_cli.run_on_host(args, settings, out))
    except rotation_cli.RotationError as exc:
        err.write(f"rally: {exc}\n")
        return 2

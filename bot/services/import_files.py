"""Reading an import's CSV file in a worker thread: checked, de-duplicated within the file,
hashed and sealed, one chunk of rows per call. No database access here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from bot.db.imports import StagedRow
from bot.domain.csv_rows import (
    PROBE_BYTES,
    RowProblem,
    SignerRow,
    detect_encoding,
    map_headers,
    numbered_rows,
    read_row,
    sniff_delimiter,
)
from bot.domain.sealing import BatchSealer, Hasher, Sealer
from bot.domain.signer_errors import ImportEmpty
from bot.i18n import N_

CHUNK_ROWS = 5_000
SAME_AS_LINE = N_("the same person as line {line}")
UNREADABLE_ROW = N_("the row could not be read as CSV")


@dataclass
class Chunk:
    rows: list[StagedRow]
    problems: list[RowProblem]
    rows_read: int


class FileReader:
    """Reads a CSV file in a worker thread: one chunk of checked, hashed, sealed rows per call."""

    def __init__(
        self,
        path: Path,
        *,
        hasher: Hasher,
        sealer: Sealer | None,
        now: datetime,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        self.path = path
        self.hasher = hasher
        self.sealer = sealer
        self.now = now
        self.chunk_rows = chunk_rows
        self._handle: IO[str] | None = None
        self._records: Iterator[tuple[int, list[str] | None]] | None = None
        self._seen_email: dict[str, int] = {}
        self._seen_person: dict[str, int] = {}

    def _chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as raw:
            while block := raw.read(PROBE_BYTES):
                yield block

    def open(self) -> None:
        """Check the encoding, find the delimiter and map the header; raise before any write."""
        encoding = detect_encoding(self._chunks)
        handle = self.path.open(encoding=encoding, newline="")
        self._handle = handle
        first = ""
        while not first.strip():
            first = handle.readline()
            if not first:
                raise ImportEmpty()
        handle.seek(0)
        records = numbered_rows(handle, sniff_delimiter(first))
        _, header = next(records, (0, None))
        if header is None:
            raise ImportEmpty()
        self.columns = map_headers(header)
        self._records = records

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def next_chunk(self) -> Chunk | None:
        assert self._records is not None
        batch = self.sealer.batch() if self.sealer else None
        rows: list[StagedRow] = []
        problems: list[RowProblem] = []
        read = 0
        for line, cells in self._records:
            read += 1
            parsed = (
                RowProblem(line, "rejected", UNREADABLE_ROW)
                if cells is None
                else read_row(cells, self.columns, line, self.now)
            )
            if isinstance(parsed, RowProblem):
                problems.append(parsed)
            else:
                staged = self._stage(parsed, batch)
                if isinstance(staged, RowProblem):
                    problems.append(staged)
                else:
                    rows.append(staged)
            if read >= self.chunk_rows:
                break
        if read == 0:
            return None
        return Chunk(rows, problems, read)

    def _stage(self, row: SignerRow, batch: BatchSealer | None) -> StagedRow | RowProblem:
        email_hash = self.hasher.email(row.email_key) if row.email_key else None
        person_hash = (
            self.hasher.name_postal(row.name, row.postal_code) if row.postal_code else None
        )
        earlier = (self._seen_email.get(email_hash) if email_hash else None) or (
            self._seen_person.get(person_hash) if person_hash else None
        )
        if earlier is not None:
            return RowProblem(row.line, "duplicate", SAME_AS_LINE, {"line": earlier})
        if email_hash:
            self._seen_email[email_hash] = row.line
        if person_hash:
            self._seen_person[person_hash] = row.line
        seal = batch.seal_optional if batch is not None else None
        return StagedRow(
            line=row.line,
            email_hash=email_hash,
            name_postal_hash=person_hash,
            sealed_name=seal(row.name) if seal else None,
            sealed_postal_code=seal(row.postal_code) if seal else None,
            sealed_email=seal(row.email) if seal else None,
            sealed_phone=seal(row.phone) if seal else None,
            signed_at=row.signed_at or self.now,
            referral=row.referral,
        )

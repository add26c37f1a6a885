"""Reading an import's CSV file: checked, de-duplicated within the file, hashed and sealed, one
chunk of rows per call. No database access here.

`FileReader` does it in the calling thread (the import runs it in a worker thread).
`ProcessReader` runs a `FileReader` in a child process, for large files: reading, hashing and
sealing are Python code that holds the GIL for ~20 µs a row, and in a thread they fought the
database thread (whose `executemany` gives the GIL up at every row) — staging a 1,000,000-row file
took 56 s where reading it alone took 23 s. In a child process the reading runs on another core
while the bot stages the previous chunk, and the bot's event loop keeps its GIL.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Protocol

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
PROCESS_MIN_BYTES = 2 * 1024 * 1024  # ~40,000 rows; below that a process costs more than it saves
PROCESS_STOP_SECONDS = 5.0
SAME_AS_LINE = N_("the same person as line {line}")
UNREADABLE_ROW = N_("the row could not be read as CSV")


@dataclass
class Chunk:
    rows: list[StagedRow]
    problems: list[RowProblem]
    rows_read: int

    def __reduce__(self) -> tuple[object, tuple[list[tuple[object, ...]], list[RowProblem], int]]:
        """Pickled with its rows as plain tuples: a third of the cost of pickling named ones."""
        return (_chunk, ([tuple(r) for r in self.rows], self.problems, self.rows_read))


def _chunk(rows: list[tuple[object, ...]], problems: list[RowProblem], rows_read: int) -> Chunk:
    new = tuple.__new__
    return Chunk([new(StagedRow, r) for r in rows], problems, rows_read)


class ChunkReader(Protocol):
    def open(self) -> None: ...

    def next_chunk(self) -> Chunk | None: ...

    def close(self) -> None: ...


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


class ProcessReader:
    """A `FileReader`, not yet opened, run in a child process; the same three calls, each
    blocking (run them in a worker thread). The child reads at most one chunk ahead: it waits
    to hand a chunk over.

    Errors raised by the reader in the child (`ImportEmpty`, …) are raised here, parameters
    intact. `close()` stops the child whatever state it is in; a child whose parent died exits
    when its next hand-over finds the pipe closed.
    """

    def __init__(self, reader: FileReader) -> None:
        self._reader = reader  # not opened here: it is pickled to the child as it is
        self._pipe: Connection | None = None
        self._process: BaseProcess | None = None

    def open(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that has threads
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_serve, args=(sender, self._reader), name="rally-import-reader", daemon=True
        )
        self._pipe, self._process = receiver, process
        process.start()
        sender.close()
        self._receive()  # the header was read, or the reader's error

    def next_chunk(self) -> Chunk | None:
        chunk = self._receive()
        assert chunk is None or isinstance(chunk, Chunk)
        return chunk

    def _receive(self) -> object:
        assert self._pipe is not None
        try:
            ok, payload = self._pipe.recv()
        except EOFError:
            raise RuntimeError("the import's reader process stopped unexpectedly") from None
        if not ok:
            assert isinstance(payload, BaseException)
            raise payload
        return payload

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._process is not None:
            process, self._process = self._process, None
            process.join(timeout=0 if process.exitcode is not None else 0.1)
            if process.is_alive():
                process.terminate()
                process.join(timeout=PROCESS_STOP_SECONDS)
            process.close()


def _serve(pipe: Connection, reader: FileReader) -> None:
    """The child process: hand over ("ok", None) once open, then each chunk, then None."""
    try:
        reader.open()
        pipe.send((True, None))
        while True:
            chunk = reader.next_chunk()
            pipe.send((True, chunk))
            if chunk is None:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass  # the import stopped listening: nothing to tell
    except Exception as error:  # handed to the parent, which raises it
        try:
            pipe.send((False, error))
        except Exception:
            pipe.send((False, RuntimeError(f"the import's reader failed: {type(error).__name__}")))
    finally:
        reader.close()
        pipe.close()

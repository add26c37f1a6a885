"""Reading an import's CSV file: checked, hashed and sealed, one chunk of rows per call, and
de-duplicated within the file (`FileDuplicates`). No database access here.

`FileReader` does it in the calling thread (the import runs it in a worker thread).
`ProcessReader` runs `FileReader`s in child processes, for large files: reading, hashing and
sealing are Python code that holds the GIL for ~20 µs a row, and in a thread they fought the
database thread (whose `executemany` gives the GIL up at every row) — staging a 1,000,000-row file
took 56 s where reading it alone took 23 s. In child processes the reading runs on other cores
while the bot stages the previous chunk, and the bot's event loop keeps its GIL.

With several processes (`reader_processes()`: two on a machine with two cores or more), each one
reads the whole file but checks, hashes and seals only its share of the chunks (chunk `i` is
process `i % n`'s); splitting the CSV text itself is not safe, since a quoted cell may hold a
line break. Skipping a chunk costs only the CSV tokenizing (~1 µs a row). The parent takes the
chunks in file order, so `FileDuplicates`, which needs that order ("the same person as line 12"),
runs there, on hashes only.
"""

from __future__ import annotations

import multiprocessing
import os
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
MAX_READER_PROCESSES = 2  # the parent stages ~100,000 rows/s: two readers already keep it busy
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
        part: int = 0,
        parts: int = 1,
    ) -> None:
        if not 0 <= part < parts:
            raise ValueError(f"part {part} of {parts}")
        self.path = path
        self.hasher = hasher
        self.sealer = sealer
        self.now = now
        self.chunk_rows = chunk_rows
        self.part = part
        self.parts = parts
        self._handle: IO[str] | None = None
        self._records: Iterator[tuple[int, list[str] | None]] | None = None
        self._chunk_index = 0  # chunks of the file passed so far, this reader's or not

    def share(self, part: int, parts: int) -> FileReader:
        """A new, unopened reader of the same file that handles chunk `i` when `i % parts`
        is `part` and skips the others."""
        return FileReader(
            self.path,
            hasher=self.hasher,
            sealer=self.sealer,
            now=self.now,
            chunk_rows=self.chunk_rows,
            part=part,
            parts=parts,
        )

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

    def _skip_others(self) -> bool:
        """Pass the chunks of the other parts; False when the file ends first."""
        assert self._records is not None
        while self._chunk_index % self.parts != self.part:
            self._chunk_index += 1
            for skipped, _ in enumerate(self._records, start=1):
                if skipped >= self.chunk_rows:
                    break
            else:
                return False
        return True

    def next_chunk(self) -> Chunk | None:
        """This reader's next chunk of checked, hashed and sealed rows; None at the end.
        Rows are not compared with each other here: `FileDuplicates` does that."""
        assert self._records is not None
        if not self._skip_others():
            return None
        self._chunk_index += 1
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
                rows.append(self._stage(parsed, batch))
            if read >= self.chunk_rows:
                break
        if read == 0:
            return None
        return Chunk(rows, problems, read)

    def _stage(self, row: SignerRow, batch: BatchSealer | None) -> StagedRow:
        seal = batch.seal_optional if batch is not None else None
        return StagedRow(
            line=row.line,
            email_hash=self.hasher.email(row.email_key) if row.email_key else None,
            name_postal_hash=(
                self.hasher.name_postal(row.name, row.postal_code) if row.postal_code else None
            ),
            sealed_name=seal(row.name) if seal else None,
            sealed_postal_code=seal(row.postal_code) if seal else None,
            sealed_email=seal(row.email) if seal else None,
            sealed_phone=seal(row.phone) if seal else None,
            signed_at=row.signed_at or self.now,
            referral=row.referral,
        )


class FileDuplicates:
    """Rows that are the same person as an earlier row of the file (by email, or by name and
    postal code) become 'duplicate' problems. Give it every chunk, in file order."""

    def __init__(self) -> None:
        self._seen_email: dict[str, int] = {}
        self._seen_person: dict[str, int] = {}

    def keep(self, chunk: Chunk) -> Chunk:
        """The chunk without its rows that repeat an earlier row, and a problem for each."""
        seen_email, seen_person = self._seen_email, self._seen_person
        kept: list[StagedRow] = []
        problems = list(chunk.problems)
        for row in chunk.rows:
            email_hash, person_hash = row.email_hash, row.name_postal_hash
            earlier = (seen_email.get(email_hash) if email_hash else None) or (
                seen_person.get(person_hash) if person_hash else None
            )
            if earlier is not None:
                problems.append(RowProblem(row.line, "duplicate", SAME_AS_LINE, {"line": earlier}))
                continue
            if email_hash:
                seen_email[email_hash] = row.line
            if person_hash:
                seen_person[person_hash] = row.line
            kept.append(row)
        if len(kept) == len(chunk.rows):
            return chunk
        return Chunk(kept, problems, chunk.rows_read)


def reader_processes() -> int:
    """How many reader processes a large import gets: one per core, at most
    `MAX_READER_PROCESSES`."""
    return max(1, min(MAX_READER_PROCESSES, os.cpu_count() or 1))


class ProcessReader:
    """A `FileReader`, not yet opened, run in `processes` child processes, each with its share
    of the chunks (`FileReader.share`); the same three calls, each blocking (run them in a
    worker thread). Chunks come back in file order. Each child reads at most one chunk ahead:
    it waits to hand a chunk over.

    Errors raised by a reader in a child (`ImportEmpty`, …) are raised here, parameters
    intact. `close()` stops the children whatever state they are in; a child whose parent died
    exits when its next hand-over finds the pipe closed.
    """

    def __init__(self, reader: FileReader, processes: int = 1) -> None:
        # Not opened here: each share is pickled to its child as it is.
        self._shares = [reader.share(part, processes) for part in range(processes)]
        self._pipes: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._turn = 0

    def open(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that has threads
        for part, share in enumerate(self._shares):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_serve, args=(sender, share), name=f"rally-import-reader-{part}", daemon=True
            )
            self._pipes.append(receiver)
            self._processes.append(process)
            process.start()
            sender.close()
        for pipe in self._pipes:
            self._receive(pipe)  # the header was read, or the reader's error

    def next_chunk(self) -> Chunk | None:
        if not self._pipes:
            return None
        chunk = self._receive(self._pipes[self._turn % len(self._pipes)])
        self._turn += 1
        assert chunk is None or isinstance(chunk, Chunk)
        return chunk

    @staticmethod
    def _receive(pipe: Connection) -> object:
        try:
            ok, payload = pipe.recv()
        except EOFError:
            raise RuntimeError("the import's reader process stopped unexpectedly") from None
        if not ok:
            assert isinstance(payload, BaseException)
            raise payload
        return payload

    def close(self) -> None:
        pipes, self._pipes = self._pipes, []
        for pipe in pipes:
            pipe.close()
        processes, self._processes = self._processes, []
        for process in processes:
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

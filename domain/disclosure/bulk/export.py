"""Writing the bulk download, and finding the files of the generation in force.

A generation is a folder under ``BULK_EXPORT_PATH`` (by default ``INSTANCE_PATH/bulk``) named by the time it
was made: for each dataset a CSV and a Parquet file, ``dictionary.json`` and ``manifest.json`` (the time,
each dataset's row count, each file's size and SHA-256). It is written into a hidden temporary folder, moved
into place whole, and only then named in ``current`` (written to a temporary file and renamed over the old
one): a reader finds either the old generation or the new one complete, never a part. The generation before
stays on disk until the next one replaces it (a download that began from it finishes); older ones and the
temporary folders of an interrupted run are removed. One writer at a time: a lock file, held while writing.

The manifest is also the job's record of its last run: the daily job (``export_if_due``) writes a
generation when none was made on the current China date.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import fcntl
import hashlib
import io
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import china_date, today, utcnow
from domain.db import Database
from domain.disclosure.bulk.datasets import READERS, Rows
from domain.disclosure.bulk.dictionary import DATASETS, Dataset, dictionary_document
from domain.settings import Settings
from domain.spreadsheets import csv_cell

log = logging.getLogger("permitwatch.bulk")

FORMAT = "permitwatch-bulk/1"
POINTER = "current"
MANIFEST = "manifest.json"
DICTIONARY = "dictionary.json"
LOCK = ".lock"
TEMPORARY = ".tmp-"

MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
}

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def export_path(settings: Settings) -> Path:
    return settings.bulk_export_path or settings.instance_path / "bulk"


# ---------------------------------------------------------------------------
# The generation in force
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileEntry:
    name: str
    bytes: int
    sha256: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[Path(self.name).suffix]


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    rows: int
    files: tuple[FileEntry, ...]


@dataclass(frozen=True)
class Manifest:
    folder: Path
    generation: str
    generated_at: datetime
    datasets: tuple[DatasetEntry, ...]
    files: tuple[FileEntry, ...]  # the dictionary

    @property
    def china_date(self) -> date:
        return china_date(self.generated_at)

    def entry(self, name: str) -> FileEntry | None:
        everything = [*self.files, *(file for found in self.datasets for file in found.files)]
        return next((file for file in everything if file.name == name), None)


def _file(raw: dict[str, Any]) -> FileEntry:
    return FileEntry(str(raw["name"]), int(raw["bytes"]), str(raw["sha256"]))


def current_manifest(root: Path) -> Manifest | None:
    """The generation in force, or None before the first one (or when its manifest cannot be read)."""
    try:
        generation = (root / POINTER).read_text(encoding="utf-8").strip()
        if not generation or "/" in generation or generation.startswith("."):
            return None
        folder = root / generation
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(
            folder=folder,
            generation=generation,
            generated_at=datetime.fromisoformat(raw["generated_at"].replace("Z", "+00:00")),
            datasets=tuple(
                DatasetEntry(str(item["name"]), int(item["rows"]), tuple(_file(f) for f in item["files"]))
                for item in raw["datasets"]
            ),
            files=tuple(_file(f) for f in raw["files"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------------------
# Writing one generation
# ---------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return csv_cell(value)


def timestamp_text(value: datetime) -> str:
    """ISO 8601 in UTC with its microseconds, e.g. 2026-12-05T00:21:07.123456Z (naive: read as UTC)."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    return value


class CsvFile:
    """A dataset's CSV, written a chunk at a time: UTF-8 with a byte-order mark (spreadsheets in China
    otherwise read it as GBK), CRLF, a header row."""

    def __init__(self, path: Path, dataset: Dataset) -> None:
        self.path = path
        self.handle = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\r\n")
        self.writer.writerow([column.name for column in dataset.columns])

    def write(self, rows: Rows) -> None:
        for row in rows:
            self.writer.writerow([_csv_value(value) for value in row])

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def abandon(self) -> None:
        self.handle.close()


class ParquetFile:
    """A dataset's Parquet file (zstd), its rows gathered into row groups of ``ROW_GROUP`` rows."""

    ROW_GROUP = 20_000

    def __init__(self, path: Path, dataset: Dataset) -> None:
        self.path = path
        self.dataset = dataset
        self.schema = pa.schema(
            [pa.field(column.name, ARROW_TYPES[column.type]) for column in dataset.columns]
        )
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.pending: Rows = []
        self.groups = 0

    def write(self, rows: Rows) -> None:
        self.pending.extend(rows)
        if len(self.pending) >= self.ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        columns = [
            pa.array(
                [_utc(row[index]) for row in self.pending]
                if column.type == "timestamp"
                else [row[index] for row in self.pending],
                type=ARROW_TYPES[column.type],
            )
            for index, column in enumerate(self.dataset.columns)
        ]
        self.writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))
        self.pending = []
        self.groups += 1

    def close(self) -> None:
        if self.pending or not self.groups:  # an empty dataset still has its typed columns
            self._flush()
        self.writer.close()
        with self.path.open("rb+") as handle:
            os.fsync(handle.fileno())

    def abandon(self) -> None:
        self.writer.close()


FILES: tuple[tuple[str, type[CsvFile] | type[ParquetFile]], ...] = (
    (".csv", CsvFile),
    (".parquet", ParquetFile),
)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(path: Path) -> dict[str, Any]:
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[bool]:
    """Whether this process holds the writer's lock (another writer at work: False, at once)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _point_at(root: Path, generation: str) -> None:
    temporary = root / f"{TEMPORARY}{POINTER}-{os.getpid()}"
    temporary.write_text(generation + "\n", encoding="utf-8")
    with temporary.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, root / POINTER)


def _prune(root: Path, keep: set[str]) -> None:
    """Remove generations other than ``keep`` and what an interrupted run left."""
    for child in root.iterdir():
        if child.name in keep or child.name in (POINTER, LOCK):
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(TEMPORARY):
            child.unlink(missing_ok=True)


def _write(files: list[CsvFile | ParquetFile], rows: Rows) -> None:
    for file in files:
        file.write(rows)


def _close(files: list[CsvFile | ParquetFile]) -> list[dict[str, Any]]:
    for file in files:
        file.close()
    return [_entry(file.path) for file in files]


async def _write_dataset(session: AsyncSession, folder: Path, found: Dataset) -> dict[str, Any]:
    """One dataset's files, its rows read a chunk at a time and written off the event loop (the worker's
    mail goes on meanwhile)."""
    files = [kind(folder / f"{found.name}{suffix}", found) for suffix, kind in FILES]
    rows = 0
    try:
        async for chunk in READERS[found.name](session):
            await asyncio.to_thread(_write, files, chunk)
            rows += len(chunk)
        entries = await asyncio.to_thread(_close, files)
    except BaseException:
        for file in files:
            file.abandon()
        raise
    return {"name": found.name, "rows": rows, "files": entries}


def _put_in_force(
    root: Path,
    folder: Path,
    generation: str,
    generated_at: datetime,
    datasets: list[dict[str, Any]],
    previous: str | None,
) -> Manifest:
    _write_json(folder / DICTIONARY, dictionary_document())
    _write_json(
        folder / MANIFEST,
        {
            "format": FORMAT,
            "generation": generation,
            "generated_at": generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dictionary": DICTIONARY,
            "datasets": datasets,
            "files": [_entry(folder / DICTIONARY)],
        },
    )
    os.rename(folder, root / generation)
    _point_at(root, generation)
    _prune(root, {generation, *([previous] if previous else [])})
    written = current_manifest(root)
    assert written is not None and written.generation == generation
    log.info("bulk export %s: %s", generation, {d["name"]: d["rows"] for d in datasets})
    return written


async def export(db: Database, settings: Settings, *, root: Path | None = None) -> Manifest | None:
    """Read every dataset, in one unit of work, and write a new generation (None: another writer was at
    work). A dataset is streamed from the database to its files, so memory stays that of a chunk."""
    root = root or export_path(settings)
    generated_at = utcnow()
    generation = generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    with _exclusive(root) as mine:
        if not mine:
            log.info("bulk export: another process is writing, skipped")
            return None
        previous = current_manifest(root)
        _prune(root, {previous.generation} if previous else set())
        folder = root / f"{TEMPORARY}{generation}"
        folder.mkdir()
        async with db.read() as session:
            datasets = [await _write_dataset(session, folder, found) for found in DATASETS]
        return await asyncio.to_thread(
            _put_in_force,
            root,
            folder,
            generation,
            generated_at,
            datasets,
            previous.generation if previous else None,
        )


async def export_if_due(db: Database, settings: Settings) -> Manifest | None:
    """The daily job: a new generation when the one in force was not made on today's China date."""
    current = current_manifest(export_path(settings))
    if current is not None and current.china_date == today():
        return None
    return await export(db, settings)


# After a failed run, the worker tries again this much later (not at each of its rounds).
RETRY_SECONDS = 3600


@dataclass
class DailyJob:
    """The worker's daily job (``permitwatch worker``): ``export_if_due`` at each round, its failures logged
    and retried an hour later, never stopping the mail."""

    settings: Settings
    retry_at: datetime | None = None

    async def __call__(self, db: Database) -> Manifest | None:
        now = utcnow()
        if self.retry_at is not None and now < self.retry_at:
            return None
        try:
            manifest = await export_if_due(db, self.settings)
        except Exception:  # noqa: BLE001 - a failed export must not stop the worker's mail
            log.exception("bulk export failed; trying again in %s s", RETRY_SECONDS)
            self.retry_at = now + timedelta(seconds=RETRY_SECONDS)
            return None
        self.retry_at = None
        return manifest


def summary(manifest: Manifest) -> str:
    buffer = io.StringIO()
    buffer.write(f"{manifest.generation} in {manifest.folder}\n")
    for found in manifest.datasets:
        buffer.write(f"  {found.name}: {found.rows} rows\n")
    return buffer.getvalue()

"""Uploaded files: checked by what they contain, kept outside the database under their SHA-256.

One module for every area that takes files from people (rectification progress reports, report drafts,
feedback replies). An area states its ``Policy`` (which kinds, how many, how large each and all together)
and calls ``check``; what passes is a ``Checked`` file, written with ``FileStore.put`` and read back with
``FileStore.get``. The record the area keeps holds the name the person gave (cleaned), the media type, the
size and the hash; the store holds the bytes.

Checking:

- The type comes from the content (its leading bytes): PDF, JPEG, PNG; DOCX and XLSX are zips whose
  ``[Content_Types].xml`` names a Word document or an Excel workbook. The name's extension must agree with
  the content (a PNG named ``.pdf`` is refused), so the type served later is the one checked now.
- A zip's directory is read, never its parts: one that would unpack past ``domain.spreadsheets``'s limits
  (in all, or one part compressed past its ratio) is refused before anything is inflated. Only
  ``[Content_Types].xml`` is read, and only when its declared size is small.
- A name loses control characters (NUL among them) and any folder part (``../``, ``C:\\``); one longer than
  ``FILE_NAME_MAX`` after that is refused with its length, never cut.
- Sizes per file, per record (with what it already holds) and the count are the policy's.

Storing: the file's name in the store is its hash (``root/ab/cd/abcd…``), never the person's name, so no
name reaches the file system and one content is stored once. Files are written before the transaction
commits (to a temporary name, then renamed): a rolled-back upload leaves an unreferenced file, never a
record without its file. ``get`` checks the hash of what it reads.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.bounds import too_long
from domain.errors import N_, FieldError, NotFound, StorageFull
from domain.settings import get_settings
from domain.spreadsheets import MAX_PARTS, MAX_RATIO, MAX_UNPACKED_BYTES

MIB = 1024 * 1024
FILE_NAME_MAX = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PDF, JPEG, PNG, DOCX, XLSX = "pdf", "jpeg", "png", "docx", "xlsx"
MEDIA_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {PDF: ("pdf",), JPEG: ("jpg", "jpeg"), PNG: ("png",), DOCX: ("docx",), XLSX: ("xlsx",)}
_MAGIC = ((PDF, b"%PDF-"), (JPEG, b"\xff\xd8\xff"), (PNG, b"\x89PNG\r\n\x1a\n"))
_ZIP = b"PK\x03\x04"
_OOXML_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
CONTENT_TYPES_MAX = 256 * 1024


@dataclass(frozen=True)
class Upload:
    """A file as a person sent it: the name their computer gave it and its bytes."""

    file_name: str
    content: bytes


@dataclass(frozen=True)
class Policy:
    """What one kind of record accepts. ``types_message`` names the kinds for people."""

    kinds: tuple[str, ...]
    types_message: str
    max_files: int
    max_file_bytes: int
    max_total_bytes: int
    field: str = "attachments"


@dataclass(frozen=True)
class Checked:
    file_name: str  # cleaned
    media_type: str
    size: int
    sha256: str
    content: bytes


def clean_name(name: str) -> str:
    """The name without control characters (NUL among them), without any folder part, trimmed:
    ``..\\..\\报告<NUL>.pdf`` → ``报告.pdf``."""
    text = _CONTROL.sub("", name or "")
    text = re.split(r"[\\/]", text)[-1]
    return text.strip()


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


class _Refused(Exception):
    def __init__(self, error: FieldError) -> None:
        self.error = error


def sniff(content: bytes, *, field: str = "file") -> str | None:
    """The kind the content is (``PDF`` … ``XLSX``), or None. Raises ``_Refused`` for a zip bomb."""
    for kind, magic in _MAGIC:
        if content.startswith(magic):
            return kind
    if not content.startswith(_ZIP):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            too_big = FieldError(
                field,
                "unpacks_too_large",
                N_("The file unpacks to more than {limit} MB."),
                {"limit": MAX_UNPACKED_BYTES // MIB},
            )
            if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
                raise _Refused(too_big)
            for part in parts:
                if part.file_size > MIB and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                    raise _Refused(too_big)
            types = next((p for p in parts if p.filename == "[Content_Types].xml"), None)
            if types is None or types.file_size > CONTENT_TYPES_MAX:
                return None
            declared = archive.read(types)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, RuntimeError, EOFError):
        return None
    for kind, marker in _OOXML_MAIN.items():
        if marker in declared:
            return kind
    return None


def check(
    files: Sequence[Upload], policy: Policy, *, held_files: int = 0, held_bytes: int = 0
) -> tuple[list[Checked], list[FieldError]]:
    """The files that pass, or every problem at once (then nothing is to be stored). ``held_*``: what the
    record already holds (files, bytes), counted against the policy's totals."""
    if held_files + len(files) > policy.max_files:
        error = FieldError(
            policy.field, "too_many", N_("At most {limit} files."), {"limit": policy.max_files}
        )
        return [], [error]
    errors: list[FieldError] = []
    passed: list[Checked] = []
    for index, item in enumerate(files):
        field = f"{policy.field}[{index}]"
        name = clean_name(item.file_name)
        if not item.content:
            errors.append(FieldError(field, "empty", N_("The file is empty.")))
            continue
        if len(item.content) > policy.max_file_bytes:
            errors.append(
                FieldError(
                    field,
                    "too_large",
                    N_("The file is larger than {size} MB."),
                    {"size": policy.max_file_bytes // MIB},
                )
            )
            continue
        try:
            kind = sniff(item.content, field=field)
        except _Refused as refused:
            errors.append(refused.error)
            continue
        if kind is None or kind not in policy.kinds or extension(name) not in EXTENSIONS[kind]:
            errors.append(FieldError(field, "file_type", policy.types_message))
            continue
        long = too_long(field, name, FILE_NAME_MAX)
        if long:
            errors.append(long)
            continue
        if not name.rsplit(".", 1)[0].strip():
            name = f"attachment.{extension(name)}"
        digest = hashlib.sha256(item.content).hexdigest()
        passed.append(Checked(name, MEDIA_TYPES[kind], len(item.content), digest, item.content))
    total = held_bytes + sum(len(f.content) for f in files)
    if not errors and total > policy.max_total_bytes:
        errors.append(
            FieldError(
                policy.field,
                "total_too_large",
                N_("All files together are at most {size} MB."),
                {"size": policy.max_total_bytes // MIB},
            )
        )
    return ([], errors) if errors else (passed, [])


class FileStore:
    """Files by their SHA-256 under one folder (settings ``UPLOAD_PATH``, by default ``instance/uploads``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(content):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes; a file missing or changed in the store is not found (never other bytes)."""
        try:
            content = self.path(sha256).read_bytes()
        except (OSError, ValueError):
            content = None
        if content is None or hashlib.sha256(content).hexdigest() != sha256:
            raise NotFound(N_("No such file."), field="attachment")
        return content


def file_store() -> FileStore:
    settings = get_settings()
    return FileStore(settings.upload_path or settings.instance_path / "uploads")


NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


def store(files: Sequence[Checked], *, field: str = "attachments") -> None:
    """Write checked files to the store (before the records that name them are committed).

    When the volume is full (or the account's quota spent) the upload is refused as a whole with
    ``StorageFull``: the use case's transaction rolls back, so no record names a file that is not there,
    and the partly written file is removed (``FileStore.put``)."""
    keeper = file_store()
    for item in files:
        try:
            keeper.put(item.content)
        except OSError as error:
            if error.errno not in NO_ROOM:
                raise
            raise StorageFull(
                N_(
                    "The file store is full, so nothing was saved. Please tell the system administrator "
                    "and try again later."
                ),
                field=field,
            ) from error

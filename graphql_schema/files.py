"""Files over GraphQL, for every area that takes them (rectification progress, report drafts, feedback
replies): sent as Base64 in ``AttachmentInput`` (within the API's body limit, settings
``MAX_GRAPHQL_BODY_BYTES``: a 10 MB file is about 13.4 MB of Base64), read back as ``AttachmentContent``.
Checking and storing them is the domain's (``domain.uploads``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

import strawberry

from domain.errors import N_, FieldError
from domain.uploads import Upload


@strawberry.type(description="附件的内容")
class AttachmentContent:
    id: strawberry.ID = strawberry.field(description="附件 ID")
    file_name: str = strawberry.field(description="上传时的文件名")
    media_type: str = strawberry.field(description="按内容判定的文件类型")
    sha256: str = strawberry.field(description="文件内容的 SHA-256 摘要")
    content_base64: str = strawberry.field(description="文件内容的 Base64 编码")


@strawberry.input(
    description=(
        "附件：文件名和 Base64 编码的内容（类型按内容判定，须与扩展名一致；可接受的类型和大小见各变更的说明）"
    )
)
class AttachmentInput:
    file_name: str = strawberry.field(description="文件名（含扩展名）")
    content_base64: str = strawberry.field(description="文件内容的 Base64 编码")


def decoded(
    files: Sequence[AttachmentInput] | None, field: str = "attachments"
) -> tuple[list[Upload], list[FieldError]]:
    """The files sent, and a ``base64`` error for each whose content is not Base64 (its content empty)."""
    uploads: list[Upload] = []
    errors: list[FieldError] = []
    for index, sent in enumerate(files or []):
        try:
            content = base64.b64decode(sent.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(
                FieldError(f"{field}[{index}]", "base64", N_("The file content is not valid Base64."))
            )
            content = b""
        uploads.append(Upload(sent.file_name, content))
    return uploads, errors


def content_of(
    id: int | None, file_name: str, media_type: str, sha256: str, content: bytes
) -> AttachmentContent:
    return AttachmentContent(
        id=strawberry.ID(str(id)),
        file_name=file_name,
        media_type=media_type,
        sha256=sha256,
        content_base64=base64.b64encode(content).decode(),
    )

"""Files uploaded by the bot or by sandbox users, addressable by file_id and file_path."""

from __future__ import annotations

import itertools
import mimetypes
import struct
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredFile:
    """One stored file and the identifiers Telegram would give it."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str
    mime_type: str
    width: int = 0
    height: int = 0

    def photo_sizes(self) -> list[dict[str, Any]]:
        """Return the PhotoSize list of a photo message (one size: the original)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.data),
                "width": self.width,
                "height": self.height,
            }
        ]

    def document(self) -> dict[str, Any]:
        """Return the Document object of a document message."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }

    def file_object(self) -> dict[str, Any]:
        """Return the File object getFile answers with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FileStore:
    """Keeps file bytes in memory by file_id and file_path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def put(
        self, data: bytes, kind: str, file_name: str, mime_type: str | None = None
    ) -> StoredFile:
        """Store bytes as a 'photos' or 'documents' file and return its record."""
        number = next(self._counter)
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        suffix = mimetypes.guess_extension(mime) or ""
        if kind == "photos":
            suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
        width, height = image_size(data) if kind == "photos" else (0, 0)
        stored = StoredFile(
            file_id=f"SBX{kind[:3].upper()}{number:06d}AgAD",
            file_unique_id=f"AQAD{number:06d}",
            file_path=f"{kind}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def by_id(self, file_id: str) -> StoredFile | None:
        """Return the file with this file_id, if any."""
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """Return the file served at this file_path, if any."""
        return self._by_path.get(file_path)


def image_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) of a PNG or JPEG, or a placeholder size for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return 320, 320


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk JPEG segments to the first SOF marker."""
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return 320, 320

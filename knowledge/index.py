"""The Whoosh index: a cache derived from the database, rebuilt whenever in doubt."""

from __future__ import annotations

import gc
import json
import logging
import shutil
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.writing import CLEAR, SegmentWriter

from knowledge.analysis import (
    BigramTokenizer,
    ChineseTokenizer,
    analysis_fingerprint,
    name_of,
)
from knowledge.errors import IndexUnavailable
from knowledge.markdown import lead_of, summary_of
from knowledge.usage import usage_lines

logger = logging.getLogger(__name__)

#: Bump when fields change: an index written with another version is rebuilt.
SCHEMA_VERSION = 6
MARKER_FILE = "govdesk-index.json"
INDEX_NAME = "kb"
WRITER_TIMEOUT_S = 10.0
WRITER_LIMIT_MB = 128
#: BM25F: short fields (title, tags) barely normalise by length; long bodies fully.
WEIGHTING = BM25F(B=0.75, K1=1.2, title_B=0.3, tags_B=0.3, lead_B=0.5)


def build_schema() -> Schema:
    """Return the index schema: the whole title as a name, boosted short fields, body, bigrams."""
    words = ChineseTokenizer()
    return Schema(
        key=ID(stored=True, unique=True),
        name=ID,
        stamp=STORED,
        status=ID,
        category=ID,
        title=TEXT(analyzer=words, phrase=False),
        tags=TEXT(analyzer=words, phrase=False),
        summary=TEXT(analyzer=words, phrase=False),
        lead=TEXT(analyzer=words, phrase=False),
        usage=TEXT(analyzer=words, phrase=False),
        questions=TEXT(analyzer=words, phrase=False),
        body=TEXT(analyzer=words, phrase=False),
        grams=TEXT(analyzer=BigramTokenizer(), phrase=False),
    )


@dataclass(frozen=True)
class IndexDoc:
    """What the index holds about one article (a snapshot taken inside the transaction)."""

    key: str
    revision: int
    status: str
    category: str | None
    title: str
    tags: tuple[str, ...]
    body: str
    questions: tuple[str, ...] = ()

    def fields(self) -> dict[str, str | int]:
        """Return the Whoosh fields of this document."""
        tags = " ".join(self.tags)
        lead = lead_of(self.body)
        summary = summary_of(self.body)
        usage = usage_lines(self.body)
        return {
            "key": self.key,
            "name": name_of(self.title),
            "stamp": self.revision,
            "status": self.status,
            "category": self.category or "",
            "title": self.title,
            "tags": tags,
            "summary": summary,
            "lead": lead,
            "usage": "\n".join(usage),
            "questions": "\n".join(self.questions),
            # Title, tags and questions also in the body: it gives concepts their idf.
            "body": "\n".join([self.title, tags, *self.questions, self.body]),
            "grams": f"{self.title} {tags} {lead}",
        }


class IndexStore:
    """Owns the index directory: opening, rebuilding, writing and handing out searchers."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()
        self._index: whoosh_index.Index | None = None
        self._searcher: Searcher | None = None
        #: Set when a write failed: the next search reconciles with the database first.
        self.dirty = False
        #: Increases whenever a new searcher is opened (keys caches of docnums).
        self.searcher_serial = 0

    def _marker(self) -> dict[str, object]:
        """What the marker file must say for the index to be usable as it is."""
        return {"schema": SCHEMA_VERSION, "analysis": analysis_fingerprint()}

    def _marker_ok(self) -> bool:
        """Whether the marker file matches the current schema and analysis."""
        path = self.directory / MARKER_FILE
        try:
            return json.loads(path.read_text(encoding="utf-8")) == self._marker()
        except (OSError, ValueError):
            return False

    def try_open(self) -> bool:
        """Open the existing index; False when it is missing, corrupt or of another schema."""
        with self._lock:
            self.close()
            if not self._marker_ok():
                return False
            # Whoosh leaves a file open when it fails on a corrupt table of contents; that
            # handle is closed here (gc) rather than reported later as a ResourceWarning.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                opened = self._open_existing()
                gc.collect()
            return opened

    def _open_existing(self) -> bool:
        """Open the index and read it once; False on any failure."""
        try:
            if not whoosh_index.exists_in(self.directory, INDEX_NAME):
                return False
            self._index = whoosh_index.open_dir(self.directory, indexname=INDEX_NAME)
            with self._index.searcher() as searcher:
                searcher.doc_count()
        except Exception as error:  # noqa: BLE001 - any failure means "rebuild"
            logger.warning("knowledge index unusable, will rebuild: %s", str(error))
            self._index = None
            return False
        return True

    def create_empty(self) -> None:
        """Wipe the directory and create an empty index with the current schema."""
        with self._lock:
            self.close()
            if self.directory.exists():
                shutil.rmtree(self.directory)
            self.directory.mkdir(parents=True)
            self._index = whoosh_index.create_in(
                self.directory, build_schema(), indexname=INDEX_NAME
            )
            (self.directory / MARKER_FILE).write_text(json.dumps(self._marker()), encoding="utf-8")

    def close(self) -> None:
        """Close the searcher and forget the index object."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._index = None

    def _require(self) -> whoosh_index.Index:
        """Return the open index or raise IndexUnavailable."""
        if self._index is None:
            raise IndexUnavailable("索引尚未打开")
        return self._index

    @contextmanager
    def _writer(self, clear: bool = False) -> Iterator[SegmentWriter]:
        """Yield a writer and commit it (clearing old segments when `clear`)."""
        try:
            writer = self._require().writer(timeout=WRITER_TIMEOUT_S, limitmb=WRITER_LIMIT_MB)
        except Exception as error:
            raise IndexUnavailable(str(error)) from error
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR) if clear else writer.commit()

    def replace_all(
        self, docs: Iterable[IndexDoc], progress: Callable[[int], None] | None = None
    ) -> int:
        """Replace the whole index content with `docs`; return how many were written."""
        count = 0
        with self._lock, self._writer(clear=True) as writer:
            for doc in docs:
                writer.add_document(**doc.fields())
                count += 1
                if progress is not None:
                    progress(count)
        return count

    def apply(self, upserts: Iterable[IndexDoc], deletions: Iterable[str] = ()) -> None:
        """Write changed documents and delete removed keys in one commit."""
        with self._lock, self._writer() as writer:
            for key in deletions:
                writer.delete_by_term("key", key)
            for doc in upserts:
                writer.update_document(**doc.fields())

    def stamps(self) -> dict[str, int]:
        """Return key → revision for every document in the index."""
        with self._lock:
            searcher = self.searcher()
            return {
                fields["key"]: fields["stamp"]
                for fields in searcher.reader().all_stored_fields()
                if "key" in fields
            }

    def searcher(self) -> Searcher:
        """Return an up-to-date searcher (reopened only when the index changed)."""
        with self._lock:
            if self._searcher is not None and not self._searcher.up_to_date():
                # Reopen rather than refresh(): refresh() may keep cleared segments.
                self._searcher.close()
                self._searcher = None
            if self._searcher is None:
                self._searcher = self._require().searcher(weighting=WEIGHTING)
                self.searcher_serial += 1
            return self._searcher

    @property
    def lock(self) -> threading.RLock:
        """The lock serialising use of the shared searcher and writers."""
        return self._lock

    def doc_count(self) -> int:
        """Return the number of documents in the index."""
        with self._lock:
            return self.searcher().doc_count()

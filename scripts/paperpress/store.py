"""``data/``: one JSON file per paper, the repository's database and the summary cache.

    data/papers/<arxiv id>.json = {
      "paper":     the normalized record (models.Paper),
      "listings":  [{"feed": ..., "day": ...}], every post the paper appears in,
      "summaries": {"digest" | "topic": models.SummaryRecord},
      "figures":   [{"url", "caption", "source"}], screenshots for topic posts
    }
    data/leads/<post>.json = the post's lead (``lead: true``): a models.SummaryRecord
    data/posts/<post>.json = {"post": its file name}: a post paperpress wrote. Links to a
      post (a roundup's) are made from these, not from the posts folder, which a fresh
      checkout lacks when posts go to another repository (PUBLISH_REPO); a file per post,
      so that runs at once (chunks of a range) never change the same one

Files have sorted keys, two-space indent and a trailing newline, and are written only when
their bytes change (atomically: a temp file in the same folder, then a rename). A process
killed between the two leaves a hidden ``.<name>.*.paperpress-tmp`` file, which Hexo, Hugo
and the store ignore and a later run removes (``sweep_temp_files``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from paperpress.errors import PublishError
from paperpress.models import Paper, SummaryRecord, preferred
from paperpress.text import safe_filename

TEMP_SUFFIX = ".paperpress-tmp"  # hidden temp files: ".<name>.<random>.paperpress-tmp"


@dataclass(frozen=True)
class Record:
    paper: Paper
    listings: tuple[tuple[str, str], ...] = ()  # (feed, day), sorted
    summaries: dict[str, SummaryRecord] = field(default_factory=dict)
    figures: tuple[dict[str, str], ...] = ()

    def to_json(self) -> str:
        data = {
            "paper": self.paper.to_dict(),
            "listings": [{"feed": feed, "day": day} for feed, day in self.listings],
            "summaries": {kind: s.to_dict() for kind, s in sorted(self.summaries.items())},
            "figures": list(self.figures),
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Record:
        data: dict[str, Any] = json.loads(text)
        return cls(
            paper=Paper.from_dict(data["paper"]),
            listings=tuple(
                sorted((item["feed"], item["day"]) for item in data.get("listings", []))
            ),
            summaries={
                kind: SummaryRecord.from_dict(value)
                for kind, value in (data.get("summaries") or {}).items()
            },
            figures=tuple(data.get("figures") or ()),
        )

    def merged(self, paper: Paper) -> Record:
        """This record after ``paper`` was seen again: fresh metadata (what the new source
        lacks, such as HF upvotes for an arXiv sighting, is kept), one more listing."""
        kept = {
            name: getattr(self.paper, name)
            for name in _SOURCE_SPECIFIC
            if not getattr(paper, name) and getattr(self.paper, name)
        }
        links = {
            name: value
            for name, value in dataclasses.asdict(self.paper.links).items()
            if value and not getattr(paper.links, name)
        }
        fresh = dataclasses.replace(paper, **kept, links=dataclasses.replace(paper.links, **links))
        listings = tuple(sorted({*self.listings, (paper.feed, paper.day)}))
        return dataclasses.replace(self, paper=fresh, listings=listings)

    def union(self, other: Record) -> Record:
        """This record and ``other``, written by two runs at once (chunks of a range): every
        listing of both, and per kind of summary the better one (ours when equal)."""
        summaries = dict(other.summaries)
        for kind, mine in self.summaries.items():
            summaries[kind] = preferred(summaries.get(kind), mine)
        return Record(
            paper=other.merged(self.paper).paper,  # ours, with what only theirs knows
            listings=tuple(sorted({*self.listings, *other.listings})),
            summaries=summaries,
            figures=self.figures or other.figures,
        )

    def with_summary(self, kind: str, summary: SummaryRecord) -> Record:
        return dataclasses.replace(self, summaries={**self.summaries, kind: summary})

    def with_figures(self, figures: list[dict[str, str]]) -> Record:
        return dataclasses.replace(self, figures=tuple(figures))


# Fields one source has and another lacks; a later sighting without them keeps the old ones.
_SOURCE_SPECIFIC = (
    "upvotes", "github_stars", "thumbnail", "organization", "ai_summary", "ai_keywords",
    "comment", "categories", "doi", "journal_ref", "updated", "version", "published",
)  # fmt: skip


class Store:
    """Reads and writes paper records under ``root/papers``, and the posts' leads (the
    optional overviews, cached like summaries) under ``root/leads``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "papers"
        self.leads = root / "leads"
        self.posts = root / "posts"
        self._known: dict[Path, tuple[tuple[int, ...], Record]] = {}  # see get

    def lead(self, post_name: str) -> SummaryRecord | None:
        path = self.leads / f"{Path(post_name).stem}.json"
        try:
            return SummaryRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise PublishError(f"{path}: not a paperpress lead ({exc}); fix or delete it") from exc

    def put_lead(self, post_name: str, lead: SummaryRecord) -> bool:
        text = json.dumps(lead.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        return write_if_changed(self.leads / f"{Path(post_name).stem}.json", text)

    def put_post(self, post_name: str) -> bool:
        """Note that the post in file ``post_name`` was written."""
        text = json.dumps({"post": post_name}, ensure_ascii=False, indent=2, sort_keys=True)
        return write_if_changed(self.posts / f"{Path(post_name).stem}.json", text + "\n")

    def has_post(self, post_name: str) -> bool:
        """Whether a run wrote the post in file ``post_name`` (``put_post``)."""
        return (self.posts / f"{Path(post_name).stem}.json").is_file()

    def path(self, arxiv_id: str) -> Path:
        return self.folder / f"{safe_filename(arxiv_id)}.json"

    def get(self, arxiv_id: str) -> Record | None:
        """The stored record, read again only when the file changed since this store last
        read or wrote it (``_signature``): a day of 1,000 papers reads each once."""
        path = self.path(arxiv_id)
        try:
            signature = _signature(path)
        except FileNotFoundError:
            return None
        known = self._known.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        try:
            record = Record.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise PublishError(
                f"{path}: not a paperpress data file ({exc}); fix or delete it"
            ) from exc
        self._known[path] = (signature, record)
        return record

    def put(self, record: Record) -> bool:
        """Write ``record`` over the stored one merged in (``Record.union``: every listing of
        both, the better summary of each kind), under a lock: two runs on one folder (two
        days that share papers, a range and a re-render) lose nothing of each other's.
        Return whether the file changed."""
        with self._locked():
            stored = self.get(record.paper.arxiv_id)
            merged = record.union(stored) if stored is not None else record
            if merged == stored:
                return False
            path = self.path(record.paper.arxiv_id)
            changed = write_if_changed(path, merged.to_json())
            self._known[path] = (_signature(path), merged)
            return changed

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes (``flock``; where there is none, as on
        Windows, one process at a time is the user's to keep)."""
        if fcntl is None:
            yield
            return
        # Beside the system's temporary files, not in data/: nothing to commit or ignore.
        key = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        with open(Path(tempfile.gettempdir()) / f"paperpress-{key}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def all(self) -> Iterator[Record]:
        for path in sorted(self.folder.glob("*.json")):
            try:
                yield Record.from_json(path.read_text(encoding="utf-8"))
            except (ValueError, KeyError, TypeError) as exc:
                raise PublishError(f"{path}: not a paperpress data file ({exc})") from exc


def _signature(path: Path) -> tuple[int, ...]:
    """What tells a file another run wrote from the one this store read: its inode too, as
    every write is a new file renamed over the old one, and another run's record can have
    the same size within one tick of a coarse clock."""
    stat = path.stat()
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def merge_files(path: str, ours: bytes, theirs: bytes) -> bytes | None:
    """For publishing: a data file both this run and another one changed, as one record;
    None for any other file (ours wins) or a file that is not a record."""
    if not (path.endswith(".json") and "papers/" in path):
        return None
    try:
        mine, other = Record.from_json(ours.decode()), Record.from_json(theirs.decode())
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if mine.paper.arxiv_id != other.paper.arxiv_id:
        return None
    return mine.union(other).to_json().encode()


def write_if_changed(path: Path, text: str) -> bool:
    """Atomically write ``text`` to ``path`` unless it already holds exactly that."""
    return write_bytes_if_changed(path, text.encode("utf-8"))


def write_bytes_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write ``data`` to ``path`` unless it already holds exactly that."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "wb", dir=path.parent, delete=False, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
        ) as f:
            f.write(data)
        os.chmod(f.name, 0o644)
        os.replace(f.name, path)
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc}") from exc
    return True


STALE_TEMP = 600.0  # seconds: no write of one file takes this long


def sweep_temp_files(*folders: Path, older_than: float = STALE_TEMP) -> list[Path]:
    """Remove the temp files a killed run left under ``folders``; return what was removed.
    Only those last written ``older_than`` seconds ago: a younger one may be another run's
    on the same folder, writing right now."""
    removed = []
    cutoff = time.time() - older_than
    for folder in folders:
        for path in folder.rglob(f".*{TEMP_SUFFIX}") if folder.is_dir() else ():
            with contextlib.suppress(FileNotFoundError):  # renamed into place meanwhile
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
    return removed

"""What the user sees while a run works: a progress bar on a terminal, plain lines in CI,
and GitHub workflow commands (``::warning::``) when running in Actions."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import ClassVar

from paperpress.models import Paper, SummaryRecord
from paperpress.text import printable, redact


class _GitHubFormatter(logging.Formatter):
    COMMANDS: ClassVar[dict[int, str]] = {
        logging.WARNING: "warning",
        logging.ERROR: "error",
        logging.CRITICAL: "error",
    }

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        command = self.COMMANDS.get(record.levelno)
        if not command:  # a plain line: it must neither run a command nor start a line
            return " ".join(message.split()).replace("::", ": :")
        escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{command}::{escaped.replace('::', ': :')}"


class _Redact(logging.Filter):
    """Every log record with the run's secrets taken out (text.redact); a Python warning
    (``py.warnings``: its text and the source line under it) on one line."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name == "py.warnings":
            message = printable(message)
        record.msg, record.args = redact(message, self.secrets), None
        return True


class _Stderr(logging.StreamHandler):
    """A handler on whatever ``sys.stderr`` is when it writes, not when it was made (a
    test's captured stream is closed by the next one; a redirect may swap it too)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def setup_logging(*, verbose: bool, in_actions: bool, secrets: Sequence[str] = ()) -> None:
    handler = _Stderr()
    handler.addFilter(_Redact(secrets))
    if in_actions:
        handler.setFormatter(_GitHubFormatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.captureWarnings(True)  # else a library's warning is printed raw, over two lines
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def outcome(record: SummaryRecord, kept: SummaryRecord | None) -> str:
    """How one paper's summary went, for a progress line (the only place its error shows)."""
    if kept is not None and record.status == "done":  # made, but worse than the stored one
        note = printable(record.source_note or record.source)
        return f"made from the {record.source} ({note}); kept the previous {kept.source} summary"
    if record.status == "done":
        return "ok"
    error = printable(record.error)  # outside text: an HTTP body, an LLM's words
    if kept is not None:
        return f"failed ({error}); kept the previous summary ({printable(kept.model)})"
    return f"pending ({error})"


class LineProgress:
    """One line per finished paper: readable in CI logs."""

    def __init__(self) -> None:
        self.label, self.total, self.done = "", 0, 0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        print(f"{label}: summarizing {plural(total, 'paper')}", file=sys.stderr, flush=True)

    def advance(self, paper: Paper, record: SummaryRecord, kept: SummaryRecord | None) -> None:
        self.done += 1
        state = outcome(record, kept)
        print(
            f"{self.label} [{self.done}/{self.total}] {paper.arxiv_id} {state}",
            file=sys.stderr,
            flush=True,
        )

    def finish(self) -> None:
        return None


class BarProgress:
    """A rich progress bar on an interactive terminal."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
        self.task = None

    def start(self, label: str, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task(f"{label}: summarizing", total=total)

    def advance(self, paper: Paper, record: SummaryRecord, kept: SummaryRecord | None) -> None:
        if record.status != "done":  # above the bar: a failure must not vanish with it
            self.bar.console.print(f"{paper.arxiv_id} {outcome(record, kept)}", markup=False)
        if self.task is not None:
            self.bar.advance(self.task)

    def finish(self) -> None:
        self.bar.stop()


def make_progress(*, interactive: bool) -> LineProgress | BarProgress:
    """A bar on a terminal (``interactive``), one line per paper in CI logs."""
    return BarProgress() if interactive else LineProgress()

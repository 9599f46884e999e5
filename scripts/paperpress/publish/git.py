"""The git mode: commit the folders in the local checkout and push, rebasing on a remote
that moved. Never forces."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from paperpress.errors import PublishError
from paperpress.publish.plan import ATTEMPTS, Published

log = logging.getLogger(__name__)

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


def commit_via_git(
    root: Path,
    folders: Iterable[Path],
    message: str,
    *,
    branch: str | None = None,
    remote: str = "origin",
    attempts: int = ATTEMPTS,
    in_actions: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Published:
    """Commit ``folders`` in the checkout at ``root`` and push, rebasing on the remote
    branch when it moved (at most ``attempts`` pushes). Never forces."""
    top = Path(_git(root, "rev-parse", "--show-toplevel"))
    paths = [
        str(folder.resolve().relative_to(top.resolve())) for folder in folders if folder.exists()
    ]
    branch = branch or _git(top, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if not branch:
        raise PublishError("--commit git: the checkout is on no branch; check out a branch first")
    if not paths:
        return Published(str(top), branch, None)
    _git(top, "add", "--all", "--", *paths)
    if not _git(top, "diff", "--cached", "--name-only", "--", *paths):
        return Published(str(top), branch, None)
    changed = tuple(_git(top, "diff", "--cached", "--name-only", "--", *paths).splitlines())
    _git(top, *_identity(top, in_actions), "commit", "--quiet", "-m", message, "--", *paths)
    for attempt in range(1, attempts + 1):
        pushed = _run_git(top, "push", "--quiet", remote, f"HEAD:refs/heads/{branch}")
        if pushed.returncode == 0:
            return Published(str(top), branch, _git(top, "rev-parse", "HEAD"), changed, attempt)
        if attempt == attempts:
            break
        log.warning("push to %s/%s rejected (attempt %d); rebasing", remote, branch, attempt)
        sleep(min(2**attempt, 30) / 4)
        rebased = _run_git(
            top, *_identity(top, in_actions), "pull", "--rebase", "--quiet", remote, branch
        )
        if rebased.returncode != 0:
            _run_git(top, "rebase", "--abort")
            raise PublishError(
                f"--commit git: cannot rebase on {remote}/{branch}: {_last_line(rebased.stderr)}"
            )
    raise PublishError(
        f"--commit git: push to {remote}/{branch} failed {attempts} times: "
        f"{_last_line(pushed.stderr)}"
    )


def _identity(top: Path, in_actions: bool) -> list[str]:
    """Keep the user's git identity; without one, name the bot (Actions) or paperpress."""
    if _git(top, "config", "user.email", check=False):
        return []
    if in_actions:
        name, email = BOT_NAME, BOT_EMAIL
    else:
        name, email = "paperpress", "paperpress@users.noreply.github.com"
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def _run_git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )


def _git(cwd: Path, *args: str, check: bool = True) -> str:
    try:
        done = _run_git(cwd, *args)
    except FileNotFoundError:
        raise PublishError("--commit git needs git on PATH") from None
    if check and done.returncode != 0:
        command = next(a for a in args if not a.startswith("-") and "=" not in a)  # past -c k=v
        raise PublishError(f"git {command} failed in {cwd}: {_last_line(done.stderr)}")
    return done.stdout.strip()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"

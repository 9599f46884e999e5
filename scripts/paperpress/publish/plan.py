"""What goes where: the files a run made, as Targets (a repository, a branch, the files),
and the pure helpers both commit paths share."""

from __future__ import annotations

import hashlib
import logging
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from paperpress import COMMIT_MODES
from paperpress.config import Config, GitHubSettings
from paperpress.errors import ConfigError

log = logging.getLogger(__name__)

MODES = COMMIT_MODES
ATTEMPTS = 5  # commits rebuilt on a moving branch (or pushes after a rebase) before giving up


@dataclass(frozen=True)
class Target:
    """Files to commit to one branch of one repository, keyed by their path there."""

    repo: str
    branch: str | None  # None: the repository's default branch
    files: Mapping[str, bytes]
    token_env: str  # the variable holding the token, named in errors
    # {path: blob sha} of the checkout the files were made in; None when unknown. Only files
    # that differ from it are this run's work: the rest may be stale copies of files that
    # another run (a chunk of the same range) has changed since, and are left alone.
    base: Mapping[str, str] | None = None

    def own_changes(self) -> dict[str, bytes]:
        if self.base is None:
            return dict(self.files)
        base = self.base
        return {path: data for path, data in self.files.items() if base.get(path) != blob_sha(data)}


@dataclass(frozen=True)
class Published:
    repo: str
    branch: str
    sha: str | None  # None: nothing had changed, no commit
    changed: tuple[str, ...] = ()
    attempts: int = 1

    def url(self, server: str = "https://github.com") -> str | None:
        return f"{server.rstrip('/')}/{self.repo}/commit/{self.sha}" if self.sha else None


# --- pure helpers ---------------------------------------------------------------------------


def blob_sha(data: bytes) -> str:
    """The id git gives a file with these bytes (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


Merge = Callable[[str, bytes, bytes], "bytes | None"]  # (path, ours, theirs) -> merged or None


def moved_by_others(
    changes: Mapping[str, bytes], remote: Mapping[str, str], base: Mapping[str, str]
) -> list[str]:
    """Changed paths that someone else also changed since our checkout (``base``): the
    remote blob is neither the one we started from nor ours."""
    return [
        path
        for path, data in changes.items()
        if path in remote and remote[path] not in (base.get(path), blob_sha(data))
    ]


def changed_files(files: Mapping[str, bytes], remote: Mapping[str, str]) -> dict[str, bytes]:
    """The files whose bytes differ from the remote tree (path -> blob sha), sorted."""
    return {
        path: files[path] for path in sorted(files) if remote.get(path) != blob_sha(files[path])
    }


def is_text(data: bytes) -> bool:
    """UTF-8 without NUL: safe to send inline in a tree request."""
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def commit_message(days: Sequence[str], lines: Sequence[str]) -> str:
    """``papers: <day or range>`` then one line per feed and day."""
    ordered = sorted(set(days))
    if not ordered:
        span = "no day"
    elif len(ordered) == 1:
        span = ordered[0]
    else:
        span = f"{ordered[0]} to {ordered[-1]}"
    return "\n".join([f"papers: {span}", "", *lines]) if lines else f"papers: {span}"


# --- what goes where --------------------------------------------------------------------------


def collect(root: Path, folders: Iterable[Path], prefix: str = "") -> dict[str, bytes]:
    """Every file under ``folders`` as {path in the repository: bytes}. Skips dot files,
    among them the temp files a run killed mid-write leaves (``.<name>.*.paperpress-tmp``)."""
    root = root.resolve()
    files: dict[str, bytes] = {}
    for folder in folders:
        folder = folder.resolve()
        if not folder.is_relative_to(root):
            raise ConfigError(
                f"{folder} is outside {root}; to be committed it must be inside the folder "
                "that holds config.yaml"
            )
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            files[str(PurePosixPath(prefix, *relative.parts))] = path.read_bytes()
    return files


@dataclass(frozen=True)
class Destination:
    """Where ``--commit api`` will commit, known before the run makes anything."""

    repo: str
    branch: str | None  # None: the repository's default branch
    token_env: str  # the variable holding the token, named in errors
    site: bool  # posts and images, under publish.folder
    data: bool  # data/
    checkout: bool  # the repository this checkout is of: only what changed since is sent


def destinations(github: GitHubSettings) -> list[Destination]:
    """The blog files (posts, images) go to the blog repository, under ``publish.folder``;
    data/ stays in the repository the workflow runs in, next to the code that reads it. A
    separate blog repository (PUBLISH_REPO or publish.repo) is written with PUBLISH_TOKEN."""
    own = github.repository
    blog = github.publish_repo or own
    if not blog:
        raise ConfigError(
            "--commit api needs a repository: set publish.repo in the config or PUBLISH_REPO "
            "(GitHub Actions sets GITHUB_REPOSITORY)"
        )
    own_branch = github.branch or None
    branch = github.publish_branch or None
    if blog == own:
        token = "PUBLISH_TOKEN" if github.token("PUBLISH_TOKEN") else "GITHUB_TOKEN"
        return [Destination(own, branch or own_branch, token, True, True, True)]
    blog_destination = Destination(blog, branch, "PUBLISH_TOKEN", True, False, False)
    if not own:
        return [blog_destination]
    return [Destination(own, own_branch, "GITHUB_TOKEN", False, True, True), blog_destination]


def plan_targets(config: Config, root: Path, github: GitHubSettings) -> list[Target]:
    """The files of each destination, as this run left them under ``root``."""
    site_folders = [config.site.posts_dir, config.site.assets_dir]
    base = checkout_blobs(root)
    targets = []
    planned = destinations(github)
    if not any(where.data for where in planned):
        log.warning(
            "GITHUB_REPOSITORY is not set: %s stays local, only posts go to %s",
            config.data_dir,
            planned[0].repo,
        )
    for where in planned:
        files: dict[str, bytes] = {}
        if where.site:
            files |= collect(root, site_folders, config.publish.folder)
        if where.data:
            files |= collect(root, [config.data_dir])
        checkout = base if where.checkout else None
        targets.append(Target(where.repo, where.branch, files, where.token_env, checkout))
    return targets


def checkout_blobs(root: Path) -> dict[str, str] | None:
    """{path: blob sha} of the commit checked out at ``root`` (None if it is no checkout);
    paths relative to ``root``, as ``collect`` gives them."""
    try:
        listing = subprocess.run(
            ["git", "ls-tree", "-r", "-z", "--full-name", "HEAD", "."],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError:  # no git
        return None
    if listing.returncode != 0:
        return None
    prefix = subprocess.run(
        ["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True, check=False
    ).stdout.strip()
    blobs = {}
    for line in filter(None, listing.stdout.decode("utf-8", "replace").split("\0")):
        meta, _, path = line.partition("\t")
        _mode, kind, sha = meta.split()
        if kind == "blob":
            blobs[path.removeprefix(prefix)] = sha
    return blobs

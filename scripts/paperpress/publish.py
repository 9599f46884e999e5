"""Commit what a run wrote: ``none`` (files only), ``git`` (commit and push the checkout) or
``api`` (one atomic commit through GitHub's Git Data API, with PyGithub).

The api mode takes the files this run changed since its checkout (every file, outside a
checkout) and compares them with the target branch's tree by git blob hash, so it commits
exactly what differs, commits nothing when nothing does, never reverts a file another run
changed meanwhile, and heals a run whose commit failed. Text files travel inline in the
tree request, binary ones as blobs: a typical day is four write requests. A branch that
moved meanwhile answers 422; the commit is then rebuilt on the new head, so two publishers
never lose each other's files.

No author or committer is sent: GitHub then signs the commit as the token's owner (the
"Verified" badge for the workflow token and for GitHub Apps).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from paperpress.config import Config
from paperpress.errors import ConfigError, PublishError

if TYPE_CHECKING:  # PyGithub pulls in requests; only the api mode needs it
    from github import Github
    from github.Repository import Repository

log = logging.getLogger(__name__)

MODES = ("none", "git", "api")
ATTEMPTS = 5  # commits rebuilt on a moving branch before giving up
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


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


def destinations(config: Config, environ: Mapping[str, str]) -> list[Destination]:
    """The blog files (posts, images) go to the blog repository, under ``publish.folder``;
    data/ stays in the repository the workflow runs in, next to the code that reads it. A
    separate blog repository (PUBLISH_REPO or publish.repo) is written with PUBLISH_TOKEN."""

    def env(name: str) -> str:
        return (environ.get(name) or "").strip()

    own = env("GITHUB_REPOSITORY")
    blog = env("PUBLISH_REPO") or config.publish.repo or own
    if not blog:
        raise ConfigError(
            "--commit api needs a repository: set publish.repo in the config or PUBLISH_REPO "
            "(GitHub Actions sets GITHUB_REPOSITORY)"
        )
    on_branch = env("GITHUB_REF_TYPE") in ("", "branch")
    own_branch = (env("GITHUB_REF_NAME") if on_branch else "") or None
    branch = env("PUBLISH_BRANCH") or config.publish.branch or None
    if blog == own:
        token = "PUBLISH_TOKEN" if env("PUBLISH_TOKEN") else "GITHUB_TOKEN"
        return [Destination(own, branch or own_branch, token, True, True, True)]
    blog_destination = Destination(blog, branch, "PUBLISH_TOKEN", True, False, False)
    if not own:
        return [blog_destination]
    return [Destination(own, own_branch, "GITHUB_TOKEN", False, True, True), blog_destination]


def plan_targets(config: Config, root: Path, environ: Mapping[str, str]) -> list[Target]:
    """The files of each destination, as this run left them under ``root``."""
    site_folders = [config.site.posts_dir, config.site.assets_dir]
    base = checkout_blobs(root)
    targets = []
    planned = destinations(config, environ)
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
    prefix = _git(root, "rev-parse", "--show-prefix", check=False)
    blobs = {}
    for line in filter(None, listing.stdout.decode("utf-8", "replace").split("\0")):
        meta, _, path = line.partition("\t")
        _mode, kind, sha = meta.split()
        if kind == "blob":
            blobs[path.removeprefix(prefix)] = sha
    return blobs


# --- api mode ---------------------------------------------------------------------------------


def connect(token: str, api_url: str = "https://api.github.com", *, pace: bool = True) -> Github:
    """A PyGithub client that sends nothing until asked (``lazy``). ``pace=False`` drops the
    pause PyGithub makes between writes (1 s, GitHub's advice), for local servers."""
    from github import Auth, Github, GithubRetry

    return Github(
        auth=Auth.Token(token),
        base_url=api_url.rstrip("/"),
        timeout=30,
        user_agent="paperpress",
        retry=GithubRetry(total=3) if pace else None,
        seconds_between_requests=0.25 if pace else None,
        seconds_between_writes=1.0 if pace else None,
        lazy=True,
    )


def commit_via_api(
    github: Github,
    target: Target,
    message: str,
    *,
    attempts: int = ATTEMPTS,
    merge: Merge | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Published:
    """One commit of every changed file on ``target``, fast-forward only, rebuilt on the new
    head when the branch moved (at most ``attempts`` times). A file that another run also
    changed since our checkout is combined with theirs by ``merge`` (ours wins otherwise)."""
    from github import GithubException

    repo = github.get_repo(target.repo)  # lazy: no request
    try:
        branch = target.branch or repo.default_branch
        blobs: dict[str, str] = {}  # binary files already uploaded, by content hash
        mine = target.own_changes()
        for attempt in range(1, attempts + 1):
            ref = repo.get_git_ref(f"heads/{branch}")
            head = repo.get_git_commit(ref.object.sha)
            remote = _remote_tree(repo, head.tree.sha)
            changes = changed_files(mine, remote)
            if merge is not None:
                changes = _merged(repo, changes, remote, target.base or {}, merge)
            if not changes:
                return Published(target.repo, branch, None, attempts=attempt)
            tree = repo.create_git_tree(_elements(repo, changes, blobs), base_tree=head.tree)
            if tree.sha == head.tree.sha:
                return Published(target.repo, branch, None, attempts=attempt)
            commit = repo.create_git_commit(message, tree, [head])
            try:
                ref.edit(commit.sha, force=False)
            except GithubException as exc:
                if exc.status != 422 or attempt == attempts:
                    raise
                log.warning(
                    "%s@%s moved; rebuilding the commit on its new head", target.repo, branch
                )
                sleep(min(2**attempt, 30) / 4)
                continue
            return Published(target.repo, branch, commit.sha, tuple(changes), attempt)
    except GithubException as exc:
        raise PublishError(_explain(exc, target)) from exc
    except OSError as exc:  # requests' ConnectionError and friends
        raise PublishError(f"cannot reach GitHub for {target.repo}: {exc}") from exc
    raise PublishError(
        f"{target.repo}@{branch}: the branch kept moving; gave up after {attempts} attempts"
    )


def _remote_tree(repo: Repository, tree_sha: str) -> dict[str, str]:
    tree = repo.get_git_tree(tree_sha, recursive=True)
    if tree.raw_data.get("truncated"):
        # Over 100,000 entries: compare nothing, send everything; the tree sha check in
        # commit_via_api still turns an unchanged result into no commit.
        log.warning("the tree of %s is truncated; sending every file", repo.full_name)
        return {}
    return {entry.path: entry.sha for entry in tree.tree if entry.type == "blob"}


def _merged(
    repo: Repository,
    changes: dict[str, bytes],
    remote: Mapping[str, str],
    base: Mapping[str, str],
    merge: Merge,
) -> dict[str, bytes]:
    import base64

    for path in moved_by_others(changes, remote, base):
        theirs = base64.b64decode(repo.get_git_blob(remote[path]).content)
        combined = merge(path, changes[path], theirs)
        if combined is not None:
            log.info("%s: combined with the version another run committed", path)
            changes[path] = combined
    return {path: data for path, data in changes.items() if remote.get(path) != blob_sha(data)}


def _elements(repo: Repository, changes: Mapping[str, bytes], blobs: dict[str, str]) -> list:
    import base64

    from github import InputGitTreeElement

    elements = []
    for path, data in changes.items():
        if is_text(data):
            elements.append(InputGitTreeElement(path, "100644", "blob", content=data.decode()))
            continue
        key = blob_sha(data)
        if key not in blobs:
            blobs[key] = repo.create_git_blob(base64.b64encode(data).decode(), "base64").sha
        elements.append(InputGitTreeElement(path, "100644", "blob", sha=blobs[key]))
    return elements


def _explain(exc: Exception, target: Target) -> str:
    """One line that says what to do; ``exc`` is a GithubException."""
    status = getattr(exc, "status", None)
    data = getattr(exc, "data", None)
    detail = data.get("message", "") if isinstance(data, dict) else str(data or "")
    where = f"{target.repo}@{target.branch or 'default branch'}"
    hint = _write_access_hint(target.token_env, target.repo)
    if status == 401:
        return (
            f"GitHub refused the token in {target.token_env} (401 {detail}): set the secret "
            f"{target.token_env} to a valid token; {hint}"
        )
    if status == 403:
        return (
            f"the token in {target.token_env} cannot write to {target.repo} (403 {detail}): " + hint
        )
    if status == 404:
        return (
            f"{where} not found, or the token in {target.token_env} cannot see it (404): check "
            f"the repository and branch names and {hint}"
        )
    if status == 409:
        return (
            f"{target.repo} is empty (409 {detail}); the Git Data API needs a first commit: "
            "add a README on GitHub and run again"
        )
    return f"GitHub answered {status} for {where}: {detail or exc}"


def _write_access_hint(token_env: str, repo: str) -> str:
    if token_env == "GITHUB_TOKEN":
        return "the workflow job needs `permissions: contents: write`"
    return f"make {token_env} a fine-grained token with Contents: read and write on {repo}"


def _token(environ: Mapping[str, str], repo: str, token_env: str) -> str:
    token = (environ.get(token_env) or "").strip()
    if not token:
        raise ConfigError(
            f"--commit api needs a token for {repo}: set the secret {token_env} "
            f"({_write_access_hint(token_env, repo)})"
        )
    return token


def _api_url(environ: Mapping[str, str]) -> str:
    return (environ.get("GITHUB_API_URL") or "").strip() or "https://api.github.com"


def check_destinations(
    where: Sequence[Destination],
    environ: Mapping[str, str],
    *,
    client: Callable[[str, str], Github] | None = None,
) -> None:
    """Before the run spends anything: each token is set, and its repository and branch can
    be read with it (two GETs). Raises ConfigError or PublishError with what to fix."""
    from github import GithubException

    for destination in where:
        token = _token(environ, destination.repo, destination.token_env)
        target = Target(destination.repo, destination.branch, {}, destination.token_env)
        with (client or connect)(token, _api_url(environ)) as github:
            try:
                repo = github.get_repo(destination.repo)
                branch = destination.branch or repo.default_branch
                repo.get_git_ref(f"heads/{branch}").object.sha  # noqa: B018 (lazy: fetches)
            except GithubException as exc:
                raise PublishError(_explain(exc, target)) from exc
            except OSError as exc:
                raise PublishError(f"cannot reach GitHub for {destination.repo}: {exc}") from exc


def commit_all(
    targets: Sequence[Target],
    message: str,
    environ: Mapping[str, str],
    *,
    client: Callable[[str, str], Github] | None = None,
    merge: Merge | None = None,
) -> list[Published]:
    """Commit each target through the API with its own token (``client``: see connect)."""
    results = []
    for target in targets:
        token = _token(environ, target.repo, target.token_env)
        with (client or connect)(token, _api_url(environ)) as github:
            results.append(commit_via_api(github, target, message, merge=merge))
    return results


# --- git mode ---------------------------------------------------------------------------------


def commit_via_git(
    root: Path,
    folders: Iterable[Path],
    message: str,
    *,
    branch: str | None = None,
    remote: str = "origin",
    attempts: int = ATTEMPTS,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Published:
    """Commit ``folders`` in the checkout at ``root`` and push, rebasing on the remote
    branch when it moved (at most ``attempts`` pushes). Never forces."""
    environ = environ or {}
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
    _git(top, *_identity(top, environ), "commit", "--quiet", "-m", message, "--", *paths)
    for attempt in range(1, attempts + 1):
        pushed = _run_git(top, "push", "--quiet", remote, f"HEAD:refs/heads/{branch}")
        if pushed.returncode == 0:
            return Published(str(top), branch, _git(top, "rev-parse", "HEAD"), changed, attempt)
        if attempt == attempts:
            break
        log.warning("push to %s/%s rejected (attempt %d); rebasing", remote, branch, attempt)
        sleep(min(2**attempt, 30) / 4)
        rebased = _run_git(
            top, *_identity(top, environ), "pull", "--rebase", "--quiet", remote, branch
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


def _identity(top: Path, environ: Mapping[str, str]) -> list[str]:
    """Keep the user's git identity; without one, name the bot (Actions) or paperpress."""
    if _git(top, "config", "user.email", check=False):
        return []
    if environ.get("GITHUB_ACTIONS") == "true":
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

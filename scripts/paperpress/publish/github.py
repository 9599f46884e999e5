"""The api mode: one atomic commit through GitHub's Git Data API, with PyGithub.

It takes the files this run changed since its checkout (every file, outside a checkout)
and compares them with the target branch's tree by git blob hash, so it commits exactly
what differs, commits nothing when nothing does, never reverts a file another run changed
meanwhile, and heals a run whose commit failed. Text files travel inline in the tree
request, binary ones as blobs: a typical day is four write requests. A branch that moved
meanwhile answers 422; the commit is then rebuilt on the new head, so two publishers never
lose each other's files.

No author or committer is sent: GitHub then signs the commit as the token's owner (the
"Verified" badge for the workflow token and for GitHub Apps).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from paperpress.config import GitHubSettings
from paperpress.errors import ConfigError, PublishError
from paperpress.publish.plan import (
    ATTEMPTS,
    Destination,
    Merge,
    Published,
    Target,
    blob_sha,
    changed_files,
    is_text,
    moved_by_others,
)
from paperpress.text import redact

if TYPE_CHECKING:  # PyGithub pulls in requests; only the api mode needs it
    from github import Github
    from github.Repository import Repository

log = logging.getLogger(__name__)


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


def _token(github: GitHubSettings, repo: str, token_env: str) -> str:
    token = github.token(token_env)
    if not token:
        raise ConfigError(
            f"--commit api needs a token for {repo}: set the secret {token_env} "
            f"({_write_access_hint(token_env, repo)})"
        )
    return token


def check_destinations(
    where: Sequence[Destination],
    github: GitHubSettings,
    *,
    client: Callable[[str, str], Github] | None = None,
) -> None:
    """Before the run spends anything: each token is set, and its repository and branch can
    be read with it (two GETs). Raises ConfigError or PublishError with what to fix."""
    from github import GithubException

    for destination in where:
        token = _token(github, destination.repo, destination.token_env)
        target = Target(destination.repo, destination.branch, {}, destination.token_env)
        with (client or connect)(token, github.api_url) as api:
            try:
                repo = api.get_repo(destination.repo)
                branch = destination.branch or repo.default_branch
                repo.get_git_ref(f"heads/{branch}").object.sha  # noqa: B018 (lazy: fetches)
            except GithubException as exc:
                raise PublishError(redact(_explain(exc, target), [token])) from exc
            except OSError as exc:
                message = f"cannot reach GitHub for {destination.repo}: {exc}"
                raise PublishError(redact(message, [token])) from exc


def commit_all(
    targets: Sequence[Target],
    message: str,
    github: GitHubSettings,
    *,
    client: Callable[[str, str], Github] | None = None,
    merge: Merge | None = None,
) -> list[Published]:
    """Commit each target through the API with its own token (``client``: see connect)."""
    results = []
    for target in targets:
        token = _token(github, target.repo, target.token_env)
        with (client or connect)(token, github.api_url) as api:
            try:
                results.append(commit_via_api(api, target, message, merge=merge))
            except PublishError as exc:
                raise PublishError(redact(str(exc), [token])) from exc
    return results

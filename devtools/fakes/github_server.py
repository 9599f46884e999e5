"""A local stand-in for the parts of GitHub's REST API that a Git Data API commit uses,
backed by a real bare git repository, so that tests check the result with git itself.

Endpoints (under ``/repos/{owner}/{name}``): the repository, ``git/ref(s)/heads/{branch}``
(GET, and PATCH with GitHub's 422 "Update is not a fast forward"), ``git/commits/{sha}``,
``git/blobs/{sha}``,
``git/trees/{sha}?recursive=1``, and POST ``git/blobs``, ``git/trees``, ``git/commits``.
Like GitHub: an empty repository answers 409, a bad token 401, a read-only token 403 on
writes, and a commit sent without author or committer is marked as signed ("verified").
Every request is logged as (method, path, JSON body). With ``echo_token`` every error body
repeats the token the request was sent with, as a careless proxy or GitHub Enterprise
plugin might ("Bad credentials for token ...").
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.fakes import loopback

GITHUB_IDENTITY = {
    "GIT_AUTHOR_NAME": "github-actions[bot]",
    "GIT_AUTHOR_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "GitHub",
    "GIT_COMMITTER_EMAIL": "noreply@github.com",
}


def git(repo: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.decode().strip()


@dataclass
class GitHubState:
    bare: Path  # a bare repository
    full_name: str = "octo/blog"
    default_branch: str = "main"
    tokens: dict[str, str] = field(default_factory=lambda: {"write-token": "write"})
    ref_url: bool = True  # answer refs with GitHub's `url` (PyGithub PATCHes that URL)
    before_patch: Callable[[], None] | None = None  # runs once, before the next ref update
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    signed: dict[str, bool] = field(default_factory=dict)  # commit sha -> no custom identity
    lock: threading.Lock = field(default_factory=threading.Lock)
    echo_token: bool = False  # error messages repeat the request's token

    def head(self, branch: str = "main") -> str | None:
        try:
            return git(self.bare, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
        except subprocess.CalledProcessError:
            return None

    def files(self, ref: str = "main") -> dict[str, bytes]:
        listing = git(self.bare, "ls-tree", "-r", "--name-only", "-z", ref).split("\0")
        return {
            path: subprocess.run(
                ["git", "-C", str(self.bare), "show", f"{ref}:{path}"],
                capture_output=True,
                check=True,
            ).stdout
            for path in listing
            if path
        }

    def commits(self, ref: str = "main") -> list[str]:
        return git(self.bare, "rev-list", ref).split()


def new_bare(folder: Path, files: dict[str, str] | None = None) -> Path:
    """A bare repository with one commit of ``files`` on main (none: empty repository)."""
    bare = folder / "remote.git"
    git(folder, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    if files:
        work = folder / "seed"
        git(folder, "init", "--quiet", "--initial-branch=main", str(work))
        for path, text in files.items():
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            (work / path).write_text(text, encoding="utf-8")
        git(work, "add", "--all")
        git(work, "commit", "--quiet", "-m", "seed", env=GITHUB_IDENTITY)
        git(work, "push", "--quiet", str(bare), "main")
    return bare


@contextmanager
def serve_github(state: GitHubState) -> Iterator[str]:
    """Run the server for the ``with`` block; yields its base URL (the API root)."""

    class Handler(loopback.Handler):
        def answer(self, status: int, body: Any, *args: Any, **kwargs: Any) -> None:
            if state.echo_token and status >= 400 and isinstance(body, dict):
                body = {**body, "message": f"{body.get('message')} (token {self._token()})"}
            super().answer(status, body, *args, **kwargs)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append((method, self.path, body))
            scope = state.tokens.get(self._token())
            if scope is None:
                return self.answer(401, {"message": "Bad credentials"})
            prefix = f"/repos/{state.full_name}"
            if not (url.path == prefix or url.path.startswith(prefix + "/")):
                return self.answer(404, {"message": "Not Found"})
            if method != "GET" and scope != "write":
                return self.answer(403, {"message": "Resource not accessible by integration"})
            try:
                status, answer = self._route(method, url.path[len(prefix) :], url.query, body)
            except subprocess.CalledProcessError as exc:
                status, answer = 422, {"message": exc.stderr.decode(errors="replace")}
            self.answer(status, answer)

        def _token(self) -> str:
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            return token if scheme.lower() in ("token", "bearer") else ""

        def _route(self, method: str, path: str, query: str, body: Any) -> tuple[int, Any]:
            base = f"http://{self.headers['Host']}/repos/{state.full_name}"
            empty = not git(state.bare, "for-each-ref")
            if method == "GET" and path == "":
                return 200, {
                    "full_name": state.full_name,
                    "default_branch": state.default_branch,
                    "url": base,
                }
            if empty and path.startswith("/git/"):
                return 409, {"message": "Git Repository is empty."}
            parts = path.strip("/").split("/")
            if parts[:2] in (["git", "ref"], ["git", "refs"]) and parts[2:3] == ["heads"]:
                branch = "/".join(parts[3:])
                if method == "PATCH":
                    return self._update_ref(branch, body)
                sha = state.head(branch)
                if sha is None:
                    return 404, {"message": "Not Found"}
                answer = {"ref": f"refs/heads/{branch}", "object": {"sha": sha, "type": "commit"}}
                if state.ref_url:
                    answer["url"] = f"{base}/git/refs/heads/{branch}"
                return 200, answer
            if method == "GET" and parts[:2] == ["git", "commits"]:
                return 200, self._commit(parts[2])
            if method == "GET" and parts[:2] == ["git", "blobs"]:
                data = subprocess.run(
                    ["git", "-C", str(state.bare), "cat-file", "blob", parts[2]],
                    capture_output=True,
                    check=True,
                ).stdout
                content = base64.b64encode(data).decode()
                return 200, {"sha": parts[2], "content": content, "encoding": "base64"}
            if method == "GET" and parts[:2] == ["git", "trees"]:
                return 200, self._tree(parts[2], recursive="recursive" in query)
            if method == "POST" and path == "/git/blobs":
                data = body["content"].encode()
                if body.get("encoding") == "base64":
                    data = base64.b64decode(body["content"])
                sha = git(state.bare, "hash-object", "-w", "--stdin", input=data)
                return 201, {"sha": sha, "url": f"{base}/git/blobs/{sha}"}
            if method == "POST" and path == "/git/trees":
                return 201, self._tree(self._make_tree(body), recursive=False)
            if method == "POST" and path == "/git/commits":
                return 201, self._make_commit(body)
            return 404, {"message": "Not Found"}

        def _commit(self, sha: str) -> dict:
            tree = git(state.bare, "rev-parse", f"{sha}^{{tree}}")
            parents = git(state.bare, "rev-list", "--parents", "-n", "1", sha).split()[1:]
            message = git(state.bare, "log", "-1", "--format=%B", sha)
            return {
                "sha": sha,
                "tree": {"sha": tree},
                "parents": [{"sha": parent} for parent in parents],
                "message": message,
                "verification": {"verified": state.signed.get(sha, False)},
            }

        def _tree(self, sha: str, *, recursive: bool) -> dict:
            args = ["ls-tree", "-z", "-l"] + (["-r", "-t"] if recursive else []) + [sha]
            entries = []
            for line in git(state.bare, *args).split("\0"):
                if not line:
                    continue
                meta, path = line.split("\t", 1)
                mode, kind, object_sha, size = meta.split()
                entry = {"path": path, "mode": mode, "type": kind, "sha": object_sha}
                if kind == "blob":
                    entry["size"] = int(size)
                entries.append(entry)
            return {"sha": sha, "tree": entries, "truncated": False}

        def _make_tree(self, body: dict) -> str:
            with tempfile.TemporaryDirectory() as folder:
                env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
                if body.get("base_tree"):
                    git(state.bare, "read-tree", body["base_tree"], env=env)
                else:
                    git(state.bare, "read-tree", "--empty", env=env)
                for entry in body["tree"]:
                    if "content" in entry:
                        sha = git(
                            state.bare,
                            "hash-object",
                            "-w",
                            "--stdin",
                            input=entry["content"].encode(),
                        )
                    else:
                        sha = entry.get("sha")
                    if sha is None:
                        git(state.bare, "update-index", "--force-remove", entry["path"], env=env)
                        continue
                    info = f"{entry['mode']},{sha},{entry['path']}"
                    git(state.bare, "update-index", "--add", "--cacheinfo", info, env=env)
                return git(state.bare, "write-tree", env=env)

        def _make_commit(self, body: dict) -> dict:
            env = dict(GITHUB_IDENTITY)
            for role in ("author", "committer"):
                if role in body:
                    env[f"GIT_{role.upper()}_NAME"] = body[role]["name"]
                    env[f"GIT_{role.upper()}_EMAIL"] = body[role]["email"]
            parents = [arg for parent in body["parents"] for arg in ("-p", parent)]
            sha = git(
                state.bare,
                "commit-tree",
                body["tree"],
                *parents,
                "-m",
                body["message"],
                env=env,
            )
            state.signed[sha] = "author" not in body and "committer" not in body
            return self._commit(sha) | {
                "html_url": f"https://github.com/{state.full_name}/commit/{sha}"
            }

        def _update_ref(self, branch: str, body: dict) -> tuple[int, Any]:
            if state.before_patch is not None:
                hook, state.before_patch = state.before_patch, None
                hook()
            with state.lock:
                current = state.head(branch)
                if current is None:
                    return 422, {"message": "Reference does not exist"}
                new = body["sha"]
                ancestor = subprocess.run(
                    ["git", "-C", str(state.bare), "merge-base", "--is-ancestor", current, new],
                    capture_output=True,
                    check=False,
                )
                if ancestor.returncode != 0 and not body.get("force"):
                    return 422, {
                        "message": "Update is not a fast forward",
                        "documentation_url": "https://docs.github.com/rest/git/refs#update-a-reference",
                    }
                git(state.bare, "update-ref", f"refs/heads/{branch}", new, current)
            return 200, {"ref": f"refs/heads/{branch}", "object": {"sha": new, "type": "commit"}}

    with loopback.serve(Handler) as url:
        yield url

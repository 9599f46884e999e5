"""Publishing: the api mode through the real PyGithub against a local GitHub stand-in backed
by a real bare repository (checked with git itself), and the git mode against a real bare
remote. Each known trap of research/platform.md B2/B4 has a test here."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from devtools.fakes.github_server import GitHubState, git, new_bare, serve_github
from devtools.fakes.hf_server import HFState, serve_hf
from paperpress import publish, store
from paperpress.cli import main
from paperpress.config import GitHubSettings, PublishConfig, github_settings, load_config
from paperpress.errors import ConfigError, PublishError
from paperpress.models import Paper
from paperpress.store import Record
from tests.helpers import hf_items

PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256))  # binary: travels as a blob


_connect = publish.connect


def local_connect(token: str, api_url: str):
    return _connect(token, api_url, pace=False)


def target(files: dict[str, bytes], *, branch: str | None = "main", token_env="GITHUB_TOKEN"):
    return publish.Target("octo/blog", branch, files, token_env)


def commit(url: str, files: dict[str, bytes], message: str = "papers: 2025-11-11", **kwargs):
    with local_connect("write-token", url) as github:
        return publish.commit_via_api(
            github, target(files, **kwargs), message, sleep=lambda s: None
        )


@pytest.fixture
def remote(tmp_path) -> GitHubState:
    return GitHubState(new_bare(tmp_path, {"README.md": "my blog\n", "posts/old.md": "old\n"}))


def test_blob_sha_is_what_git_computes(tmp_path):
    for data in [b"", b"hello\n", PNG, "中文 😀\n".encode()]:
        (tmp_path / "f").write_bytes(data)
        assert publish.blob_sha(data) == git(tmp_path, "hash-object", "f")


def test_changed_files_and_commit_message_are_pure():
    files = {"b.md": b"new", "a.md": b"same"}
    remote = {"a.md": publish.blob_sha(b"same"), "b.md": publish.blob_sha(b"old")}
    assert publish.changed_files(files, remote) == {"b.md": b"new"}
    assert publish.changed_files(files, {}) == {"a.md": b"same", "b.md": b"new"}
    assert publish.commit_message(["2025-11-12", "2025-11-11", "2025-11-12"], ["x: 3"]) == (
        "papers: 2025-11-11 to 2025-11-12\n\nx: 3"
    )
    assert publish.commit_message(["2025-11-11"], []) == "papers: 2025-11-11"


def test_api_mode_makes_one_commit_of_every_file_on_the_base_tree(remote):
    files = {"posts/2025-11-11-hf.md": "中文 post\n".encode(), "images/p/1.png": PNG}
    files["data/papers/2511.00001.json"] = b'{"id": "2511.00001"}\n'
    before = remote.head()
    with serve_github(remote) as url:
        result = commit(url, files)
    assert result.sha == remote.head() and result.attempts == 1
    assert git(remote.bare, "rev-parse", "main^") == before  # one commit, on the old head
    assert git(remote.bare, "log", "-1", "--format=%B", "main") == "papers: 2025-11-11"
    assert remote.files() == files | {"README.md": b"my blog\n", "posts/old.md": b"old\n"}
    assert set(result.changed) == set(files)
    blob_posts = [body for method, path, body in remote.requests if path.endswith("/git/blobs")]
    assert len(blob_posts) == 1  # only the binary file; text goes inline in the tree


def test_api_mode_sends_no_author_or_committer_so_github_signs_it(remote):
    with serve_github(remote) as url:
        result = commit(url, {"posts/a.md": b"a\n"})
    [body] = [body for method, path, body in remote.requests if path.endswith("/git/commits")]
    assert set(body) == {"message", "tree", "parents"}
    assert remote.signed[result.sha] is True


def test_nothing_changed_means_no_write_and_no_commit(remote):
    files = {"posts/a.md": b"a\n", "images/p/1.png": PNG}
    with serve_github(remote) as url:
        first = commit(url, files)
        remote.requests.clear()
        again = commit(url, files | {"posts/old.md": b"old\n"})  # equal to the remote's file
    assert first.sha and again.sha is None and again.changed == ()
    assert remote.commits()[0] == first.sha
    assert [method for method, _, _ in remote.requests] == ["GET", "GET", "GET"]


def test_lazy_client_with_a_branch_sends_no_repository_request_first(remote):
    # Trap: PyGithub's get_repo sends GET /repos/o/r at once unless the client is lazy.
    with serve_github(remote) as url:
        commit(url, {"posts/a.md": b"a\n"})
    first_method, first_path, _ = remote.requests[0]
    assert (first_method, first_path) == ("GET", "/repos/octo/blog/git/ref/heads/main")


def test_without_a_branch_the_default_branch_is_asked_for(tmp_path):
    state = GitHubState(new_bare(tmp_path, {"README.md": "x\n"}), default_branch="main")
    with serve_github(state) as url:
        result = commit(url, {"posts/a.md": b"a\n"}, branch=None)
    assert result.branch == "main" and state.requests[0][:2] == ("GET", "/repos/octo/blog")


@pytest.mark.parametrize("ref_url", [True, False])
def test_ref_update_goes_to_the_url_the_server_returned(remote, ref_url):
    # Trap: PyGithub PATCHes the ref's `url`; without one it falls back to the request path.
    remote.ref_url = ref_url
    with serve_github(remote) as url:
        result = commit(url, {"posts/a.md": b"a\n"})
    [patch] = [path for method, path, _ in remote.requests if method == "PATCH"]
    expected = "/git/refs/heads/main" if ref_url else "/git/ref/heads/main"
    assert patch == f"/repos/octo/blog{expected}" and remote.head() == result.sha


def test_a_moved_branch_gets_the_commit_rebuilt_on_its_new_head(remote):
    with serve_github(remote) as url:
        # Another publisher lands its commit between our commit and our ref update.
        remote.before_patch = lambda: commit(url, {"posts/theirs.md": b"theirs\n"}, "theirs")
        ours = commit(url, {"posts/ours.md": b"ours\n"}, "ours")
    assert ours.attempts == 2
    files = remote.files()
    assert files["posts/ours.md"] == b"ours\n" and files["posts/theirs.md"] == b"theirs\n"
    log = git(remote.bare, "log", "--format=%s", "main").splitlines()
    assert log == ["ours", "theirs", "seed"]  # linear: no merge, nothing overwritten


def test_racing_publishers_in_threads_lose_nothing(remote):
    errors: list[BaseException] = []

    def publisher(name: str) -> None:
        try:
            for n in range(3):
                commit(url, {f"posts/{name}-{n}.md": f"{name} {n}\n".encode()}, f"{name} {n}")
        except BaseException as exc:
            errors.append(exc)

    with serve_github(remote) as url:
        threads = [threading.Thread(target=publisher, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors
    files = remote.files()
    assert all(f"posts/{name}-{n}.md" in files for name in "ab" for n in range(3))
    assert len(remote.commits()) == 1 + 6


def test_an_empty_repository_gets_a_clear_error(tmp_path):
    state = GitHubState(new_bare(tmp_path))
    with serve_github(state) as url, pytest.raises(PublishError) as caught:
        commit(url, {"posts/a.md": b"a\n"})
    assert "octo/blog is empty (409" in str(caught.value) and "add a README" in str(caught.value)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (
            "wrong",
            "GitHub refused the token in PUBLISH_TOKEN (401 Bad credentials): set the secret",
        ),
        ("read-token", "the token in PUBLISH_TOKEN cannot write to octo/blog (403"),
    ],
)
def test_a_refused_or_read_only_token_names_the_secret(remote, token, expected):
    remote.tokens["read-token"] = "read"
    environ = {"PUBLISH_TOKEN": token}
    with serve_github(remote) as url:
        environ["GITHUB_API_URL"] = url
        with pytest.raises(PublishError) as caught:
            publish.commit_all(
                [target({"posts/a.md": b"a\n"}, token_env="PUBLISH_TOKEN")],
                "m",
                github_settings(PublishConfig(), environ),
                client=local_connect,
            )
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert "Contents: read and write" in message


def test_a_missing_token_names_the_secret_before_any_request(remote):
    with pytest.raises(ConfigError, match=r"set the secret GITHUB_TOKEN .*contents: write"):
        publish.commit_all([target({"a": b"a"})], "m", GitHubSettings(), client=local_connect)


def test_temp_and_dot_files_are_never_collected(tmp_path):
    (tmp_path / "posts" / ".hidden").mkdir(parents=True)
    (tmp_path / "posts" / "a.md").write_text("a")
    (tmp_path / "posts" / ".a.md.x81k.paperpress-tmp").write_text("half")  # a killed run's
    (tmp_path / "posts" / ".hidden" / "b.md").write_text("b")
    assert publish.collect(tmp_path, [tmp_path / "posts", tmp_path / "nope"]) == {
        "posts/a.md": b"a"
    }
    assert publish.collect(tmp_path, [tmp_path / "posts"], "blog") == {"blog/posts/a.md": b"a"}
    with pytest.raises(ConfigError, match="outside"):
        publish.collect(tmp_path / "posts", [tmp_path])


def write_project(root: Path, publish_section: str = "") -> Path:
    (root / "posts").mkdir(parents=True, exist_ok=True)
    (root / "posts" / "p.md").write_text("post\n")
    (root / "data" / "papers").mkdir(parents=True)
    (root / "data" / "papers" / "1.json").write_text("{}\n")
    config = root / "config.yaml"
    config.write_text(publish_section + "feeds:\n  - {name: hf-daily, kind: hf_daily}\n")
    return config


def test_this_repository_gets_posts_and_data_in_one_target(tmp_path):
    config = load_config(write_project(tmp_path))
    environ = {"GITHUB_REPOSITORY": "octo/papers", "GITHUB_REF_NAME": "main"}
    [only] = publish.plan_targets(config, tmp_path, github_settings(config.publish, environ))
    assert (only.repo, only.branch, only.token_env) == ("octo/papers", "main", "GITHUB_TOKEN")
    assert set(only.files) == {"posts/p.md", "data/papers/1.json"}


def test_a_separate_blog_gets_posts_under_its_folder_and_data_stays_home(tmp_path):
    section = "publish: {repo: octo/blog, branch: gh-source, folder: source/_posts/../x}\n"
    with pytest.raises(ConfigError, match=r"publish\.folder: .*folder inside the repository"):
        load_config(write_project(tmp_path / "bad", section))
    section = "publish: {repo: octo/blog, branch: gh-source, folder: site/}\n"
    config = load_config(write_project(tmp_path, section))
    environ = {"GITHUB_REPOSITORY": "octo/papers", "GITHUB_REF_NAME": "main"}
    home, blog = publish.plan_targets(config, tmp_path, github_settings(config.publish, environ))
    assert (home.repo, home.branch, home.token_env) == ("octo/papers", "main", "GITHUB_TOKEN")
    assert set(home.files) == {"data/papers/1.json"}
    assert (blog.repo, blog.branch, blog.token_env) == ("octo/blog", "gh-source", "PUBLISH_TOKEN")
    assert set(blog.files) == {"site/posts/p.md"}


def test_api_mode_needs_to_know_the_repository(tmp_path):
    config = load_config(write_project(tmp_path))
    with pytest.raises(ConfigError, match=r"set publish\.repo in the config or PUBLISH_REPO"):
        publish.plan_targets(config, tmp_path, GitHubSettings())


# --- the CLI end to end ---------------------------------------------------------------------


def test_cli_run_commits_through_the_api_once_and_reports_the_link(
    project, remote, capsys, monkeypatch
):
    summary = project / "summary.md"
    with serve_hf(HFState(days={"2025-11-11": hf_items()})) as hf, serve_github(remote) as gh:
        config = project / "config.yaml"
        config.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n")
        environ = {
            "GITHUB_REPOSITORY": "octo/blog",
            "GITHUB_REF_NAME": "main",
            "GITHUB_TOKEN": "write-token",
            "GITHUB_API_URL": gh,
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        argv = ["run", "--config", str(config), "--date", "2025-11-11", "--commit", "api"]
        monkeypatch.setattr(publish.github, "connect", local_connect)  # no 1 s pause between writes
        assert main(argv, environ=environ) == 0
        assert main(argv, environ=environ) == 0
    out = capsys.readouterr().out
    files = remote.files()
    assert "posts/2025-11-11-hf-daily.md" in files
    assert sum(path.startswith("data/papers/") for path in files) == 19
    assert len(remote.commits()) == 2  # the seed and one run; the re-run committed nothing
    message = git(remote.bare, "log", "-1", "--format=%B", "main")
    assert message.startswith("papers: 2025-11-11\n\nhf-daily 2025-11-11: 19 papers")
    assert "nothing changed, no commit" in out
    sha = remote.head()
    assert f"[{sha[:7]}](https://github.com/octo/blog/commit/{sha})" in summary.read_text()


@pytest.mark.parametrize(
    ("environ", "code", "expected"),
    [
        (
            {"PUBLISH_REPO": "octo/blog"},
            2,
            "needs a token for octo/blog: set the secret PUBLISH_TOKEN",
        ),
        ({"GITHUB_REPOSITORY": "octo/blog"}, 2, "set the secret GITHUB_TOKEN"),
        ({}, 2, "--commit api needs a repository"),
        (
            {
                "PUBLISH_REPO": "octo/blog",
                "PUBLISH_BRANCH": "gh-pages",
                "PUBLISH_TOKEN": "write-token",
            },
            1,
            "octo/blog@gh-pages not found, or the token in PUBLISH_TOKEN cannot see it (404)",
        ),
        (
            {"PUBLISH_REPO": "octo/elsewhere", "PUBLISH_TOKEN": "write-token"},
            1,
            "octo/elsewhere@default branch not found",
        ),
        (
            {"PUBLISH_REPO": "octo/blog", "PUBLISH_TOKEN": "wrong"},
            1,
            "refused the token in PUBLISH_TOKEN",
        ),
    ],
    ids=[
        "no-publish-token",
        "no-github-token",
        "no-repo",
        "no-branch",
        "no-repo-there",
        "bad-token",
    ],
)
def test_commit_api_checks_what_it_needs_before_fetching_anything(
    project, remote, capsys, monkeypatch, environ, code, expected
):
    state = HFState(days={"2025-11-11": hf_items()})
    with serve_hf(state) as hf, serve_github(remote) as gh:
        config = project / "config.yaml"
        config.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n")
        argv = ["run", "--config", str(config), "--date", "2025-11-11", "--commit", "api"]
        monkeypatch.setattr(publish.github, "connect", local_connect)
        assert main(argv, environ={**environ, "GITHUB_API_URL": gh}) == code
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert state.requests == []  # nothing fetched, nothing summarized
    assert not (project / "posts").exists()
    assert [method for method, *_ in remote.requests] in ([], ["GET"], ["GET", "GET"])


# --- git mode -------------------------------------------------------------------------------


def clone(bare: Path, folder: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(bare), str(folder)], check=True)
    git(folder, "config", "user.name", "someone")
    git(folder, "config", "user.email", "someone@example.com")
    return folder


def test_git_mode_commits_the_folders_and_pushes(tmp_path):
    bare = new_bare(tmp_path, {"README.md": "x\n"})
    work = clone(bare, tmp_path / "work")
    (work / "posts").mkdir()
    (work / "posts" / "a.md").write_text("a\n")
    (work / "notes.txt").write_text("not ours to commit\n")
    result = publish.commit_via_git(work, [work / "posts", work / "data"], "papers: x")
    assert result.sha == git(bare, "rev-parse", "main") and result.changed == ("posts/a.md",)
    assert git(bare, "ls-tree", "-r", "--name-only", "main").split() == ["README.md", "posts/a.md"]
    again = publish.commit_via_git(work, [work / "posts"], "papers: x")
    assert again.sha is None and len(git(bare, "rev-list", "main").split()) == 2


def test_git_mode_rebases_when_the_remote_moved(tmp_path):
    bare = new_bare(tmp_path, {"README.md": "x\n"})
    ours, theirs = clone(bare, tmp_path / "ours"), clone(bare, tmp_path / "theirs")
    (theirs / "posts").mkdir()
    (theirs / "posts" / "theirs.md").write_text("theirs\n")
    git(theirs, "add", "--all")
    git(theirs, "commit", "--quiet", "-m", "theirs")
    git(theirs, "push", "--quiet", "origin", "main")
    (ours / "posts").mkdir()
    (ours / "posts" / "ours.md").write_text("ours\n")
    result = publish.commit_via_git(ours, [ours / "posts"], "ours", sleep=lambda s: None)
    assert result.attempts == 2  # the first push was rejected
    assert git(bare, "log", "--format=%s", "main").splitlines() == ["ours", "theirs", "seed"]


def test_git_mode_says_so_when_the_rebase_conflicts(tmp_path):
    bare = new_bare(tmp_path, {"posts/a.md": "seed\n"})
    ours, theirs = clone(bare, tmp_path / "ours"), clone(bare, tmp_path / "theirs")
    (theirs / "posts" / "a.md").write_text("theirs\n")
    git(theirs, "commit", "--quiet", "-am", "theirs")
    git(theirs, "push", "--quiet", "origin", "main")
    (ours / "posts" / "a.md").write_text("ours\n")
    with pytest.raises(PublishError, match="cannot rebase on origin/main"):
        publish.commit_via_git(ours, [ours / "posts"], "ours", sleep=lambda s: None)
    assert git(ours, "status", "--porcelain") == ""  # the rebase was aborted, nothing half-done


# --- chunks of a range writing the same data file ----------------------------------------


def record(*listings: tuple[str, str], upvotes: int = 0) -> bytes:
    paper = Paper(arxiv_id="2511.00001", title="A paper", upvotes=upvotes)
    return Record(paper=paper, listings=tuple(sorted(listings))).to_json().encode()


def test_a_data_file_two_chunks_changed_keeps_both_sightings(tmp_path):
    path = "data/papers/2511.00001.json"
    start = record(("hf-daily", "2025-11-01"))
    state = GitHubState(new_bare(tmp_path, {path: start.decode()}))
    base = {path: publish.blob_sha(start)}
    first = record(("hf-daily", "2025-11-01"), ("topic", "2025-11-03"), upvotes=7)
    second = record(("hf-daily", "2025-11-01"), ("topic", "2025-11-12"))
    with serve_github(state) as url, local_connect("write-token", url) as github:
        for files in ({path: first}, {path: second}):  # both chunks started from `start`
            target = publish.Target("octo/blog", "main", files, "GITHUB_TOKEN", base)
            publish.commit_via_api(github, target, "m", merge=store.merge_files)
    merged = Record.from_json(state.files()[path].decode())
    assert merged.listings == (
        ("hf-daily", "2025-11-01"),
        ("topic", "2025-11-03"),
        ("topic", "2025-11-12"),
    )
    assert merged.paper.upvotes == 7  # what only the other chunk knew is kept


def test_only_files_someone_else_moved_are_merged():
    ours, theirs, old = b"ours", b"theirs", b"old"
    changes = {"a": ours, "b": ours, "c": ours}
    remote = {"a": publish.blob_sha(old), "b": publish.blob_sha(theirs)}
    base = {"a": publish.blob_sha(old), "b": publish.blob_sha(old)}
    assert publish.moved_by_others(changes, remote, base) == ["b"]
    assert publish.moved_by_others(changes, remote, {}) == ["a", "b"]  # no checkout: ask
    assert store.merge_files("posts/x.md", ours, theirs) is None  # posts: ours wins
    assert store.merge_files("data/papers/x.json", b"{", record()) is None


def test_checkout_blobs_reads_the_commit_checked_out(tmp_path):
    bare = new_bare(tmp_path, {"data/papers/1.json": "{}\n", "README.md": "x\n"})
    work = clone(bare, tmp_path / "work")
    assert publish.checkout_blobs(work) == {
        "README.md": publish.blob_sha(b"x\n"),
        "data/papers/1.json": publish.blob_sha(b"{}\n"),
    }
    assert publish.checkout_blobs(work / "data") == {"papers/1.json": publish.blob_sha(b"{}\n")}
    assert publish.checkout_blobs(tmp_path) is None


def test_cli_run_with_commit_git_pushes_posts_and_data(tmp_path, capsys):
    bare = new_bare(tmp_path, {"README.md": "x\n"})
    work = clone(bare, tmp_path / "work")
    with serve_hf(HFState(days={"2025-11-11": hf_items()[:2]})) as hf:
        config = work / "config.yaml"
        config.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n")
        argv = ["run", "--config", str(config), "--date", "2025-11-11", "--commit", "git"]
        assert main(argv, environ={}) == 0
    pushed = git(bare, "ls-tree", "-r", "--name-only", "main").split()
    assert {"posts/2025-11-11-hf-daily.md", "data/posts/2025-11-11-hf-daily.json"} <= set(pushed)
    assert len(pushed) == 1 + 1 + 1 + 2  # README, the post, its note in data/, two papers
    assert "templates/digest.md.j2" not in pushed and "config.yaml" not in pushed
    assert "committed 4 files to" in capsys.readouterr().out


def test_chunks_from_one_checkout_do_not_revert_each_others_files(tmp_path):
    # Both chunks hold stale copies of the files the other one changes.
    seed = {"posts/a.md": "old a\n", "posts/b.md": "old b\n"}
    state = GitHubState(new_bare(tmp_path, seed))
    base = {path: publish.blob_sha(text.encode()) for path, text in seed.items()}
    chunk_a = {"posts/a.md": b"new a\n", "posts/b.md": b"old b\n"}
    chunk_b = {"posts/a.md": b"old a\n", "posts/b.md": b"new b\n"}
    with serve_github(state) as url, local_connect("write-token", url) as github:
        for files in (chunk_a, chunk_b):
            target = publish.Target("octo/blog", "main", files, "GITHUB_TOKEN", base)
            result = publish.commit_via_api(github, target, "m")
            assert len(result.changed) == 1
    assert state.files() == {"posts/a.md": b"new a\n", "posts/b.md": b"new b\n"}

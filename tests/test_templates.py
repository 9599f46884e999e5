"""Templates: the package's defaults, a blog's overrides file by file, and a broken template
found before the run fetches or spends anything, as one line naming the file and line."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI
from paperpress.cli import main
from paperpress.render import DEFAULTS, make_environment
from tests.helpers import ROOT, hf_items, override_template

RECORDED = hf_items()
DAY = "2025-11-11"


def run(config_dir, hf: str, *extra: str, environ: dict | None = None) -> int:
    config = config_dir / "config.yaml"
    config.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n")
    return main(["run", "--config", str(config), "--date", DAY, *extra], environ=environ or {})


def test_the_package_ships_every_template():
    names = {str(path.relative_to(DEFAULTS)) for path in DEFAULTS.rglob("*.j2")}
    assert names == {"digest.md.j2", "topic.md.j2", "roundup.md.j2", "prompts/system.j2",
                     "prompts/digest.j2", "prompts/lead.j2",
                     "prompts/topic.j2"}  # fmt: skip


def test_a_built_package_carries_every_template(tmp_path):
    """What `pip install` from git or a wheel gets: setuptools' build of the package."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "README.md", tmp_path)
    shutil.copytree(ROOT / "scripts" / "paperpress", tmp_path / "scripts" / "paperpress")
    build = [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py"]
    subprocess.run([*build, "--build-lib", "out"], cwd=tmp_path, check=True, capture_output=True)
    built = tmp_path / "out" / "paperpress" / "templates"
    shipped = sorted(str(path.relative_to(DEFAULTS)) for path in DEFAULTS.rglob("*.j2"))
    assert sorted(str(path.relative_to(built)) for path in built.rglob("*.j2")) == shipped


def test_a_config_in_a_folder_without_templates_works(tmp_path):
    with serve_hf(HFState(days={DAY: RECORDED[:2]})) as hf:
        assert run(tmp_path, hf) == 0
    assert not (tmp_path / "templates").exists()
    assert (tmp_path / "posts" / f"{DAY}-hf-daily.md").read_text().count("\n## ") == 2


def test_an_override_wins_and_deleting_it_falls_back_to_the_default(project):
    post = project / "posts" / f"{DAY}-hf-daily.md"
    with serve_hf(HFState(days={DAY: RECORDED[:2]})) as hf:
        assert run(project, hf) == 0
        default = post.read_text()
        mine = override_template(project / "templates", "digest.md.j2")
        mine.write_text("My own digest of {{ count }} papers.\n")
        assert run(project, hf) == 0
        assert post.read_text().endswith("---\n\nMy own digest of 2 papers.\n")
        mine.unlink()
        assert run(project, hf) == 0
    assert post.read_text() == default


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "digest.md.j2",
            "{% for paper in papers %}\n{{ paper.title }\n",
            "digest.md.j2:2: template syntax error: unexpected '}'",
        ),
        (
            "digest.md.j2",
            "line one\n\n{{ paper_count }}\n",
            "digest.md.j2:3: undefined: 'paper_count' is undefined",
        ),
        (
            "digest.md.j2",
            "line one\n{% include 'intro.md.j2' %}\n",
            "digest.md.j2:2: template 'intro.md.j2' not found in",
        ),
        (
            "digest.md.j2",
            "{% if lead %}\n{{ leed }}\n{% endif %}\n",
            "digest.md.j2:2: undefined: 'leed' is undefined",
        ),
        ("prompts/digest.j2", "Title: {{ paper.titel }}\n", "prompts/digest.j2:1: undefined: "),
        (
            "prompts/system.j2",
            "{% if language %}\n",
            "prompts/system.j2:1: template syntax error: Unexpected end of template",
        ),
    ],
    ids=["syntax", "undefined", "include", "lead-branch", "prompt-undefined", "prompt-unclosed"],
)
def test_a_broken_template_is_one_line_before_any_request(project, capsys, name, text, expected):
    override_template(project / "templates", name).write_text(text)
    state = HFState(days={DAY: RECORDED})
    with serve_hf(state) as hf, FakeOpenAI() as llm:
        environ = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": llm.base_url}
        assert run(project, hf, "--force", environ=environ) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("paperpress: error: "), err
    assert expected in err and str(project / "templates") in err
    assert state.requests == [] and llm.requests == []  # nothing fetched, nothing spent


def test_render_checks_templates_too_and_writes_nothing(project, capsys):
    with serve_hf(HFState(days={DAY: RECORDED[:2]})) as hf:
        assert run(project, hf) == 0
    post = project / "posts" / f"{DAY}-hf-daily.md"
    before = post.read_bytes()
    override_template(project / "templates", "digest.md.j2").write_text("{{ nope }}\n")
    config = str(project / "config.yaml")
    assert main(["render", "--config", config], environ={}) == 2
    assert "digest.md.j2:1: undefined: 'nope' is undefined" in capsys.readouterr().err
    assert post.read_bytes() == before


def test_the_environment_searches_the_blog_folder_first(tmp_path):
    (tmp_path / "topic.md.j2").write_text("mine\n")
    env = make_environment(tmp_path)
    assert env.get_template("topic.md.j2").render() == "mine\n"
    _, filename, _ = env.loader.get_source(env, "digest.md.j2")
    assert filename == str(DEFAULTS / "digest.md.j2")

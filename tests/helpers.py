"""Helpers the test modules share (they never import each other)."""

from __future__ import annotations

import shutil
from pathlib import Path

from paperpress.render import DEFAULTS


def override_template(templates_dir: Path, name: str) -> Path:
    """A blog's own copy of the default template ``name`` in ``templates_dir``, to edit."""
    path = templates_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULTS / name, path)
    return path

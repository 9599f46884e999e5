"""The shape of the code, kept by the suite rather than by memory: small modules and short
functions, feed kinds behind their protocol, the environment read in one place, and no
``sys.path`` games in tests or tools."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from paperpress.config import FEED_KINDS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scripts" / "paperpress"
MODULE_LINES = 400
FUNCTION_LINES = 60
DECLARATIVE = {("cli.py", "build_parser")}  # an argument parser reads best whole


def modules(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", modules(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_small_and_functions_short(path: Path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MODULE_LINES, f"{path.name}: split it by concern"
    for node in functions(ast.parse(text)):
        length = node.end_lineno - node.lineno + 1
        if (path.name, node.name) not in DECLARATIVE:
            assert length <= FUNCTION_LINES, f"{path.name}:{node.lineno} {node.name}: {length}"


def test_no_isinstance_on_a_feed_class_outside_feeds_and_config():
    feed_classes = {model.__name__ for model in FEED_KINDS.values()}
    found = []
    for path in modules(PACKAGE):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("feeds", "config"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                if names & feed_classes:
                    found.append(f"{relative}:{node.lineno}")
    assert found == []


def test_only_config_reads_the_environment():
    """cli.main hands ``os.environ`` to config.read_environment; nobody else looks."""
    readers = []
    for path in modules(PACKAGE):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            reads = isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
            if reads and getattr(node.value, "id", None) == "os":
                readers.append(path.name)
    assert sorted(set(readers)) == ["cli.py"]


@pytest.mark.parametrize("folder", ["tests", "devtools", "scripts"])
def test_nothing_edits_sys_path(folder: str):
    edits = []
    for path in modules(ROOT / folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            touches = isinstance(node, ast.Attribute) and node.attr == "path"
            if touches and getattr(node.value, "id", None) == "sys":
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert edits == []


def test_no_test_module_imports_another():
    """Tests share helpers through tests/helpers.py and conftest.py, never each other."""
    imports = []
    for path in modules(ROOT / "tests"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if any(name.split(".")[-1].startswith("test_") for name in names):
                imports.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert imports == []


def test_a_kind_is_known_to_the_config_the_pipeline_and_the_estimate():
    """The three places a new kind is named (see feeds/__init__.py) name the same kinds, and
    the stdlib-only estimate in dates.py uses the config's own max_papers defaults."""
    from paperpress import dates
    from paperpress.feeds import KINDS

    assert set(KINDS) == set(FEED_KINDS) == set(dates.MAX_PAPERS)
    for name, model in FEED_KINDS.items():
        field = model.model_fields.get("max_papers")
        assert dates.MAX_PAPERS[name] == (field.default if field else 0), name

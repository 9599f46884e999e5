"""requirements.lock: every runtime package, transitive ones included, pinned with hashes.

The daily workflow installs this file alone, with ``pip install --require-hashes``, so a
package missing from it, or a line without a hash, would stop the run (or, worse, a loose
line would let the index choose). ``make lock`` writes it from requirements.txt.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import Locked, logical_lines, parse_lock

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def runtime_requirements() -> list[Requirement]:
    return [Requirement(line) for line in logical_lines((ROOT / "requirements.txt").read_text())]


@pytest.fixture(scope="module")
def lock() -> dict[str, Locked]:
    assert LOCK.exists(), "requirements.lock is missing: run `make lock`"
    return parse_lock(LOCK.read_text(encoding="utf-8"))


def test_the_lock_has_every_runtime_requirement_at_its_version(lock):
    for requirement in runtime_requirements():
        (pin,) = requirement.specifier
        assert pin.operator == "==", f"requirements.txt: pin {requirement} with =="
        locked = lock.get(canonicalize_name(requirement.name))
        assert locked is not None, f"{requirement.name} is not in requirements.lock: make lock"
        assert locked.version == pin.version, (
            f"requirements.txt has {requirement}, the lock {locked.requirement}: make lock"
        )


def test_every_locked_line_is_an_exact_pin_with_hashes_and_nothing_else(lock):
    assert len(lock) > len(runtime_requirements()), "no transitive packages locked?"
    for name, locked in lock.items():
        (specifier,) = locked.requirement.specifier
        assert specifier.operator == "==" and "*" not in specifier.version, name
        assert not locked.requirement.url and not locked.requirement.extras, name
        assert locked.hashes and all(HASH.match(word) for word in locked.hashes), name
        assert locked.options == (), f"{name}: {locked.options}"
    for line in logical_lines(LOCK.read_text(encoding="utf-8")):
        assert not line.startswith("-"), f"an option line in the lock: {line}"


def dependencies(name: str, extras: frozenset[str]) -> list[Requirement]:
    """What the installed ``name`` asks for, with these extras, on this interpreter."""
    found = []
    for text in importlib.metadata.requires(name) or []:
        requirement = Requirement(text)
        marker = requirement.marker
        environment = default_environment()
        if marker is None or any(
            marker.evaluate({**environment, "extra": extra}) for extra in {"", *extras}
        ):
            found.append(requirement)
    return found


def test_the_lock_is_closed_every_dependency_is_locked_at_a_version_that_fits(lock):
    """Walk the dependency tree from requirements.txt through the installed metadata (the
    dev venv holds the locked versions): every package reached is locked, at a version its
    dependent accepts. A hand-edited or stale lock fails here, not in the workflow."""
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in runtime_requirements()]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        locked = lock[name]
        installed = importlib.metadata.version(name)
        if installed != locked.version:
            pytest.skip(  # make setup installs requirements.txt: its transitive pins may move
                f"the venv has {name} {installed}, the lock {locked.version}; to walk the lock, "
                "install it: .venv/bin/pip install --require-hashes -r requirements.lock"
            )
        for requirement in dependencies(name, extras):
            child = canonicalize_name(requirement.name)
            assert child in lock, f"{name} needs {requirement}, which is not locked"
            assert requirement.specifier.contains(lock[child].version, prereleases=True), (
                f"{name} needs {requirement}; the lock has {lock[child].version}"
            )
            todo.append((child, frozenset(requirement.extras)))
    assert {name for name, _ in seen} == {n for n, entry in lock.items() if entry.applies()}, (
        "the lock holds packages nothing here needs"
    )


def test_parse_lock_reads_markers_hashes_and_refuses_a_doubled_name():
    text = (
        "# header\n"
        "a==1.0 ; sys_platform == 'emscripten' \\\n"
        "    --hash=sha256:" + "0" * 64 + " \\\n"
        "    --hash=sha256:" + "1" * 64 + "\n"
        "    # via b\n"
        "B_c==2\n"
    )
    entries = parse_lock(text)
    assert entries["a"].version == "1.0" and len(entries["a"].hashes) == 2
    assert not entries["a"].applies()
    assert entries["b-c"].hashes == () and entries["b-c"].applies()
    with pytest.raises(AssertionError, match="locked twice"):
        parse_lock("a==1\nA==1\n")


def test_make_lock_compiles_requirements_txt_with_hashes_using_the_pinned_uv():
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert re.search(r"^uv==\d+\.\d+\.\d+$", dev, re.MULTILINE), "pin uv in requirements-dev"
    done = subprocess.run(
        ["make", "-n", "lock"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"make -n lock: {done.stderr}"
    printed = " ".join(done.stdout.replace("\\\n", " ").split())
    assert "uv pip compile" in printed, printed
    command = printed[printed.index("uv pip compile") :]
    for word in ["--generate-hashes", "--universal", "requirements.txt", "-o requirements.lock"]:
        assert word in command, f"make lock: {word} missing in {command!r}"
    assert "make lock" in LOCK.read_text(encoding="utf-8").splitlines()[1]

"""The two rules of the recorded fixtures (tests/fixtures/, read with helpers.fixture),
proved on a small suite of their own that pytester runs: naming a fixture that does not
exist fails the test with the full path it looked for, and a run of the whole suite that
leaves a fixture unread fails; a run of part of it is not judged."""

from __future__ import annotations

import pytest

CONFTEST = """
from pathlib import Path

import pytest

from tests.helpers import FixtureFolder

FIXTURES = FixtureFolder(Path(__file__).parent / "fixtures")


def pytest_configure(config):
    config.pluginmanager.register(FIXTURES, "recorded-fixtures")


@pytest.fixture
def fixture():
    return FIXTURES.path
"""

READS = """
def test_reads_a_day(fixture):
    assert fixture("hf/day.json").read_text() == "[]"


def test_reads_a_feed(fixture):
    assert fixture("arxiv/feed.xml").read_text() == "<feed/>"
"""

OTHER = """
def test_reads_nothing():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """Two fixtures, two test modules; between them, every fixture is read."""
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_reads=READS, test_other=OTHER)
    recorded = pytester.path / "fixtures"
    (recorded / "hf").mkdir(parents=True)
    (recorded / "arxiv").mkdir()
    (recorded / "hf" / "day.json").write_text("[]")
    (recorded / "arxiv" / "feed.xml").write_text("<feed/>")
    return pytester


def run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The inner session, without the plugins that only slow it down."""
    return suite.runpytest("-p", "no:hypothesispytest", "-p", "no:cacheprovider", *args)


def unread_file(suite: pytest.Pytester) -> str:
    (suite.path / "fixtures" / "hf" / "unread.json").write_text("[]")
    return "hf/unread.json"


def test_naming_a_missing_fixture_fails_the_test_with_the_full_path(suite):
    suite.makepyfile(
        test_missing="""
def test_names_a_fixture_that_is_not_there(fixture):
    fixture("hf/no-such-day.json")
"""
    )
    result = run(suite)
    result.assert_outcomes(passed=3, failed=1)
    missing = suite.path / "fixtures" / "hf" / "no-such-day.json"
    result.stdout.fnmatch_lines([f"*no recorded fixture at {missing}*"])


def test_a_whole_run_that_reads_every_fixture_passes(suite):
    result = run(suite)
    assert result.ret == pytest.ExitCode.OK
    assert "unread fixtures" not in result.stdout.str()


def test_a_whole_run_that_leaves_a_fixture_unread_fails_naming_it(suite):
    name = unread_file(suite)
    result = run(suite)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*= unread fixtures =*", f"  {name}"])
    assert "hf/day.json" not in result.stdout.str()


@pytest.mark.parametrize(
    "args",
    [
        ["-k", "day"],
        ["-m", "not slow"],
        ["test_reads.py"],
        ["test_reads.py::test_reads_a_day"],
        ["--deselect", "test_reads.py::test_reads_a_feed"],
        ["--ignore", "test_other.py"],
        ["--collect-only"],
    ],
    ids=["keyword", "marker", "one-module", "node-id", "deselect", "ignore", "collect-only"],
)
def test_a_subset_run_is_not_judged(suite, args):
    unread_file(suite)
    result = run(suite, *args)
    assert result.ret == pytest.ExitCode.OK
    assert "unread fixtures" not in result.stdout.str()


def test_a_run_with_a_failure_or_a_skip_is_not_judged(suite):
    """A failed or skipped test may be the one that would have read the file."""
    unread_file(suite)
    suite.makepyfile(test_other=OTHER + "\n\ndef test_fails():\n    assert False\n")
    failed = run(suite)
    failed.assert_outcomes(passed=3, failed=1)
    assert "unread fixtures" not in failed.stdout.str()
    suite.makepyfile(
        test_other=OTHER + "\n\ndef test_skips():\n    __import__('pytest').skip('x')\n"
    )
    skipped = run(suite)
    skipped.assert_outcomes(passed=3, skipped=1)
    assert skipped.ret == pytest.ExitCode.OK
    assert "unread fixtures: not judged (1 skipped)" in skipped.stdout.str()  # said, not silent
    assert "No test read these files" not in skipped.stdout.str()

"""A post is never dated in the future for its own blog (Hugo skips such a post, silently).

The rule (dates.post_date, stated in the README): the start of the covered day in the blog's
time zone, but never later than the run; a post dated by that clamp keeps its date when it
is written again. Checked on the dates alone, and on the real pipeline's post in a real Hugo
build whose clock is the run's moment (``hugo --clock``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import frontmatter
import pytest

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.site import build_hugo, find_posts
from paperpress import net
from paperpress.config import load_config
from paperpress.dates import post_date
from paperpress.pipeline import Clients, run
from paperpress.sources import arxiv
from paperpress.summarize import ExtractiveSummarizer
from tests import helpers
from tests.helpers import hf_items

RECORDED = hf_items()
RUN = datetime(2026, 12, 2, 6, 45, 30, tzinfo=UTC)  # 22:45 on Dec 1 in Los Angeles
DAY = "2026-12-02"


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        ("America/Los_Angeles", DAY, "2026-12-01T22:45:00-08:00"),  # clamped to the run
        ("America/Los_Angeles", "2026-12-01", "2026-12-01T00:00:00-08:00"),  # yesterday
        ("Asia/Shanghai", DAY, "2026-12-02T00:00:00+08:00"),
        ("Pacific/Kiritimati", DAY, "2026-12-02T00:00:00+14:00"),
        ("Etc/GMT+12", DAY, "2026-12-01T18:45:00-12:00"),  # the farthest west
        ("UTC", DAY, "2026-12-02T00:00:00+00:00"),
    ],
)
def test_a_post_is_dated_at_its_days_start_but_never_after_the_run(zone, day, expected):
    moment = post_date(day, zone, now=RUN)
    assert moment.isoformat() == expected
    assert moment <= RUN


def test_a_clamped_date_is_kept_when_the_post_is_written_again():
    first = post_date(DAY, "America/Los_Angeles", now=RUN)
    later = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    assert post_date(DAY, "America/Los_Angeles", now=later, previous=first) == first
    # Not a date from another day (a rolling post moving on), nor one from the future.
    older = post_date("2026-12-01", "America/Los_Angeles", now=RUN)
    assert post_date(DAY, "America/Los_Angeles", now=later, previous=older).day == 2
    ahead = datetime(2026, 12, 2, 7, 59, tzinfo=UTC)
    assert post_date(DAY, "America/Los_Angeles", now=RUN, previous=ahead).minute == 45


def make_post(project, hf: str, zone: str, flavor: str, now: datetime):
    (project / "config.yaml").write_text(
        f"site: {{flavor: {flavor}, timezone: {zone}}}\nllm: {{language: en}}\n"
        f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n"
    )
    config = load_config(project / "config.yaml")
    with net.make_http_client() as http, arxiv.make_client(interval=0) as polite:
        summarizers = {"digest": ExtractiveSummarizer("en")}
        clients = Clients(http=http, arxiv=polite, summarizers=summarizers)
        report = run(config, days=[DAY], feeds=config.feeds, clients=clients, now=now)
    return report.feeds[0].post


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Shanghai", "Pacific/Kiritimati"])
def test_hugo_builds_the_post_at_the_moment_of_the_run(project, tmp_path, zone):
    helpers.hugo()
    with serve_hf(HFState(days={DAY: RECORDED[:3]})) as hf:
        post = make_post(project, hf, zone, "hugo", RUN)
        written = post.read_bytes()
        later = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # local midnight has passed everywhere
        assert make_post(project, hf, zone, "hugo", later) == post
    assert post.read_bytes() == written  # the re-run keeps the date: same bytes
    [page] = build_hugo(find_posts(post.parent), {}, tmp_path / "site", clock=RUN)
    assert page.date <= RUN and page.file.is_file()
    assert "hf-daily" in page.url


def test_hexo_gets_the_same_clamped_date_as_naive_local_time(project):
    with serve_hf(HFState(days={DAY: RECORDED[:3]})) as hf:
        post = make_post(project, hf, "America/Los_Angeles", "hexo", RUN)
    meta = frontmatter.load(post).metadata
    assert (meta["date"], meta["updated"]) == ("2026-12-01 22:45:00", "2026-12-01 22:45:00")

"""Hostile text in what paperpress writes, seen in the files: bidirectional overrides and
other control characters from a source or an LLM reach no post, front matter or data file;
ids that differ get files that differ, none hidden; an LLM reply with a 200 KB field makes
a post of normal size. The CLI runs end to end against the local stand-ins.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.fakes.arxiv_server import atom_feed, serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.hostile import hf_item
from devtools.fakes.openai_server import Action, FakeOpenAI, reply
from paperpress.cli import main
from paperpress.errors import SummaryError
from paperpress.escape import md_alt, md_inline, plain
from paperpress.models import OPTIONAL_SECTIONS, Links, Paper, SummaryRecord, TopicSummary
from paperpress.sources.hf import parse_item
from paperpress.store import Record, Store
from paperpress.summarize import summarize_all
from paperpress.text import ARXIV_ID, base_arxiv_id, inert, is_arxiv_id, safe_filename, tex_safe
from tests.helpers import (
    DIGEST_REPLY,
    HF_DAY,
    TOPIC_REPLY,
    arxiv_state,
    hf_config,
    hf_items,
    llm_env,
    metadata,
    topic,
    write_config,
)

DAY = HF_DAY
# Bidirectional embeddings, overrides, isolates and marks ("Trojan Source"), then C0 and C1
# controls, separators and the BOM.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
CONTROLS = "\x00\x07\x08\x1b\x7f\x85\x9b\u2028\u2029\ufeff"
FORBIDDEN = re.compile(f"[{BIDI}{CONTROLS}]")


def trojan(text: str) -> str:
    """``text`` with a bidi override that makes it read backwards, isolates, marks and
    control characters in it, as a hostile title or reply would."""
    return (
        f"{text} \u202e\u2066deretla\u2069\u2066 // check\u2069\u202c \u200f\u061c\x1b[31m\x07\x85"
    )


def trojan_xml(text: str) -> str:
    """The same for an Atom feed, without what XML 1.0 cannot carry (C0 controls)."""
    return f"{text} \u202e\u2066deretla\u2069\u2066 // check\u2069\u202c \u200f\u061c\u2028"


def hostile_items() -> list[dict[str, Any]]:
    items = hf_items()[:2]
    items.append(
        hf_item(
            "2511.80001",
            trojan("Diffusion video title"),
            summary=trojan("An abstract.") + "\n\n" + trojan("A second paragraph."),
            authors=[{"name": trojan("Ann")}, {"name": "Bob\u202e"}],
            ai_keywords=[trojan("kw")],
            organization={"fullname": trojan("Org")},
            publishedAt=trojan("2025-11-10T12:00:00.000Z"),
        )
    )
    return items


def hostile_reply(body: dict[str, Any]) -> Action:
    """A valid reply of the kind asked for, every string of it with controls in."""
    schema = body["response_format"]["json_schema"]["schema"]
    base = TOPIC_REPLY if "takeaways" in schema["properties"] else DIGEST_REPLY
    return reply(json.dumps(_deep(base, trojan), ensure_ascii=False))


def _deep(value: Any, change) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_deep(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _deep(item, change) for key, item in value.items()}
    return value


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    return []


@pytest.fixture
def written(project: Path, no_polite_wait) -> Path:
    """A digest and a topic post of papers with controls in every field, summarized by an
    LLM whose replies have controls in every string; the project folder."""
    search = [
        (
            "2411.17769",
            {
                **metadata()["2411.17769"],
                "title": trojan_xml("Video diffusion"),
                "abstract": trojan_xml("An abstract on video diffusion."),
                "authors": [trojan_xml("Ann")],
                "comment": trojan_xml("12 pages"),
                "published": trojan_xml("2024-11-27T12:00:00Z"),
                "updated": trojan_xml("2024-11-27T12:00:00Z"),
                "categories": [trojan_xml("cs.CV"), "cs.LG"],
            },
        )
    ]
    with (
        serve_hf(HFState(days={DAY: hostile_items()})) as hf,
        serve_arxiv(arxiv_state(search_pages={0: atom_feed(search)})) as arxiv,
        FakeOpenAI(default=hostile_reply) as llm,
    ):
        hf_feed = {"name": "hf-daily", "kind": "hf_daily", "base_url": hf}
        topic_feed = topic(arxiv, source="api", fulltext=False)
        for language in ("en", "zh"):
            config = write_config(project, [hf_feed, topic_feed], language=language)
            assert main(["run", "--config", config, "--date", DAY], environ=llm_env(llm)) == 0
            for flavor in ("hexo", "hugo"):
                config = write_config(
                    project,
                    [hf_feed, topic_feed],
                    language=language,
                    flavor=flavor,
                    posts_dir=f"posts-{flavor}-{language}",
                )
                assert main(["render", "--config", config], environ={}) == 0
    return project


def test_no_post_body_or_front_matter_holds_a_bidi_or_control_character(written):
    posts = sorted(written.glob("posts*/*.md"))
    assert len(posts) == 2 * 5  # a digest and a topic post: the run's, then 2 x 2 re-renders
    for path in posts:
        text = path.read_text("utf-8")
        assert "deretla" in text, path  # the hostile text is there ...
        assert not FORBIDDEN.search(text), (path, FORBIDDEN.findall(text))  # ... without them
        meta = frontmatter.loads(text).metadata
        for value in strings(meta):
            assert not FORBIDDEN.search(value), (path, value)


def test_no_data_file_holds_a_bidi_or_control_character_in_the_text_it_renders(written):
    """The paper's record (title, abstract, authors, keywords ...) as stored in data/."""
    for path in sorted((written / "data" / "papers").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        for value in strings(record["paper"]):
            assert not FORBIDDEN.search(value), (path.name, value)


def test_no_data_file_holds_a_bidi_or_control_character_in_a_summary(written):
    for path in sorted((written / "data" / "papers").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        for summary in record["summaries"].values():
            for value in strings(summary.get("content")):
                assert not FORBIDDEN.search(value), (path.name, value)


def test_an_hf_title_with_a_lone_surrogate_is_written_without_it_and_the_run_goes_on(
    project, capsys
):
    """JSON carries lone surrogates ("\\ud800"), UTF-8 does not: the data file and the post
    of the day are written without them, as in a normal run."""
    items = hf_items()[:2]
    items.append(
        hf_item(
            "2511.80001",
            "A lone \ud800surrogate title",
            summary="An abstract \udfff with one.",
            authors=[{"name": "Ann \ud83d"}],
            publishedAt="2025-11-10\udc00",
        )
    )
    with serve_hf(HFState(days={DAY: items})) as hf:
        assert main(["run", "--config", hf_config(project, hf), "--date", DAY], environ={}) == 0
    assert "done: fetched 3, summarized 3" in capsys.readouterr().out
    post = (project / "posts" / f"{DAY}-hf-daily.md").read_text("utf-8")
    assert "A lone surrogate title" in post
    assert all(metadata_title(item) in post for item in items[:2])
    record = json.loads((project / "data" / "papers" / "2511.80001.json").read_text("utf-8"))
    assert record["paper"]["authors"] == ["Ann"] and record["paper"]["published"] == "2025-11-10"


def metadata_title(item: dict[str, Any]) -> str:
    return " ".join(item["paper"]["title"].split())[:30]


def test_a_topic_reply_keeps_reasons_for_the_sections_a_post_may_leave_out_only():
    """The keys of ``omitted`` are the reply's own text: 5,000 of them made a 2 MB record."""
    flood = {f"section {n} \u202e::error::": "no reason" for n in range(5000)}
    content = {**TOPIC_REPLY, "background": None, "omitted": {**flood, "background": "none"}}
    summary = TopicSummary.model_validate(content)
    assert set(summary.omitted) <= set(OPTIONAL_SECTIONS) and "background" in summary.omitted
    assert len(json.dumps(summary.model_dump(mode="json"))) < 8_000


HOSTILE_ERROR = "bad reply \x1b[31m\u202e::error title=x:::PWNED\nsecond line " + "and more " * 500


class Failing:
    """A summarizer whose every call fails with ``HOSTILE_ERROR``."""

    kind, reads_full_text, model, language, prompt_hash = "digest", False, "m", "en", "h"

    async def summarize(self, paper: Paper, material: str | None = None, *, faithful=True):
        raise SummaryError(HOSTILE_ERROR)

    async def aclose(self) -> None:
        return None

    def warm_up(self) -> None:
        return None


def test_a_pending_records_error_is_one_short_line_without_controls_or_commands():
    paper = Paper(arxiv_id="2511.80001", title="A paper")
    batch = asyncio.run(summarize_all([paper], Failing(), concurrency=1))
    error = batch.records[paper.arxiv_id].error
    assert error.startswith("bad reply [31m") and "PWNED second line" in error
    assert len(error) <= 500 and not FORBIDDEN.search(error), error
    assert "::" not in error and "\n" not in error, error
    stored = SummaryRecord.from_dict({"status": "pending", "key": "k", "model": "m",
                                      "language": "en", "prompt_hash": "h",
                                      "error": HOSTILE_ERROR})  # fmt: skip
    assert stored.error == error  # a record written before is cleaned when read


def test_every_text_of_a_paper_is_cleaned_whichever_source_built_it():
    hostile = "2025-11-10\u202e\n\x1b[31m\ud800"
    paper = Paper(
        arxiv_id="2511.80001",
        title="T",
        abstract="One\u202e.\n\nTwo\x00.",
        published=hostile,
        updated=hostile,
        categories=(hostile,),
        links=Links(code=hostile),
    )
    assert paper.abstract == "One.\n\nTwo."
    assert {paper.published, paper.updated, *paper.categories, paper.links.code} == {
        "2025-11-10 [31m"
    }


# --- TeX that links, styles or sets attributes once MathJax runs ---------------------------

ACTIVE_TEX = [
    r"\href{javascript:alert(1)}{x}",
    r"\url{javascript:alert(1)}",
    r"\style{position:fixed}{x}",
    r"\class{PWNED}{x}",
    r"\cssId{PWNED}{x}",
    r"\htmlClass{PWNED}{x}",
    r"\data{x=1}{x}",
    r"\attr{x=1}{x}",
    r"\require{html}",
    r"\unicode[Comic Sans]{x41}",
    r'\mmlToken{mi}[href="javascript:alert(1)"]{x}',
    r'\mmlToken{mi}[style="position:fixed;background:red" class="PWNED" id="PWNED"]{x}',
    r"\bbox[position:fixed;top:0;left:0;width:100%;height:100%;background:red]{X}",
    r"\texttip{x}{a tooltip}",
    r"\mathtip{x}{y}",
    r"\toggle{x}{y}\endtoggle",
    r"\setOptions[tex]{x=1}",
]


@pytest.mark.parametrize("tex", ACTIVE_TEX)
def test_tex_that_links_styles_or_sets_attributes_is_neutralized_in_all_text_written(tex):
    """Its backslash becomes U+FF3C: MathJax reads a plain character, not the command, so
    no theme (with MathJax's ui/safe or without) makes a link or a style of it."""
    command = re.match(r"\\[A-Za-z]+", tex).group(0)
    for written in (tex_safe(f"${tex}$"), md_inline(f"${tex}$"), plain(tex), inert(tex)):
        assert not re.search(re.escape(command) + r"(?![A-Za-z])", written), written
        assert "\uff3c" + command[1:] in written, written
    assert command[1:] in md_alt(tex) and "\\" not in md_alt(tex)


@pytest.mark.parametrize("tex", [r"\hrefs", r"\bboxed{x}", r"\mathbf{x}", r"\frac{a}{b}", r"\\"])
def test_other_tex_is_left_as_written(tex):
    assert tex_safe(tex) == tex


# --- File names from ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids",
    [
        ("2511/80004", "2511_80004"),
        ("hep-th/9901002", "hep-th_9901002"),
        ("a:b", "a_b", "a b", "a%3Ab"),
        (".hidden", "_hidden", "%2Ehidden"),
        ("\u0ff12", "\uff12", "%FF12", "%E0%BF%B12"),  # a code point's number: 3 or 4 digits
    ],
)
def test_ids_that_differ_keep_records_that_differ(tmp_path, ids):
    store = Store(tmp_path / "data")
    for arxiv_id in ids:
        store.put(Record(Paper(arxiv_id=arxiv_id, title=f"the paper {arxiv_id}")))
    for arxiv_id in ids:
        stored = store.get(arxiv_id)
        assert stored is not None and stored.paper.arxiv_id == arxiv_id
        assert stored.paper.title == f"the paper {arxiv_id}"
    files = sorted(path.name for path in store.folder.iterdir())
    assert len(files) == len(ids), files
    assert not [name for name in files if name.startswith(".")], files


def test_old_style_ids_keep_their_file_names(tmp_path):
    """Data files written before stay where they are: ``hep-th/9901002`` is
    ``hep-th_9901002.json``, a new-style id is itself."""
    store = Store(tmp_path / "data")
    assert store.path("hep-th/9901002").name == "hep-th_9901002.json"
    assert store.path("2511.80004").name == "2511.80004.json"


IDS = st.text(st.characters(), min_size=1, max_size=12)  # lone surrogates too


@settings(max_examples=300, deadline=None)
@given(st.lists(IDS, min_size=2, max_size=4, unique=True))
def test_any_two_ids_get_two_files_in_the_papers_folder_none_hidden(ids):
    store = Store(Path("/nonexistent/data"))
    paths = [store.path(arxiv_id) for arxiv_id in ids]
    assert len(set(paths)) == len(paths), paths
    for path in paths:
        assert path.parent == store.folder and not path.name.startswith("."), path
        assert "/" not in path.name and "\0" not in path.name


@settings(max_examples=300, deadline=None)
@given(st.from_regex(ARXIV_ID, fullmatch=True))
def test_a_valid_ids_file_name_is_the_id_with_an_underscore_for_a_slash(arxiv_id):
    """The data files written so far keep their names."""
    assert safe_filename(arxiv_id) == arxiv_id.replace("/", "_")


@pytest.mark.parametrize(
    "arxiv_id",
    [
        "\u0662\u0665\u0660\u0661.\u0660\u0660\u0660\u0660\u0661",  # Arabic-Indic digits
        "\uff12\uff15\uff10\uff11.\uff10\uff10\uff10\uff10\uff11",  # full-width digits
        "2501.0000\u0661",
        "hep-th/990100\u0662",
    ],
)
def test_an_id_with_digits_other_than_ascii_is_no_arxiv_id(arxiv_id):
    assert not is_arxiv_id(arxiv_id)
    assert isinstance(parse_item(hf_item(arxiv_id), day=DAY, feed="hf-daily"), str)


@pytest.mark.parametrize("arxiv_id", ["2501.00001\n", "2501.00001v1", " 2501.00001", ""])
def test_a_base_id_is_the_whole_string(arxiv_id):
    assert not is_arxiv_id(arxiv_id)


def test_a_version_is_ascii_digits():
    assert base_arxiv_id("2501.00001v\u0663") == ("2501.00001v\u0663", None)
    assert base_arxiv_id("2501.00001v3") == ("2501.00001", 3)


# --- Lengths ------------------------------------------------------------------------------------

HUGE = "The method routes tokens around blocks. " * 5000  # 200 KB of sentences


def huge_reply(body: dict[str, Any]) -> Action:
    """A digest reply whose every free-text field is 200 KB."""
    huge = {
        **DIGEST_REPLY,
        "tldr": HUGE,
        "main_work": HUGE,
        "highlights": [HUGE] * 5,
        "practicality": {"score": 4, "reason": HUGE},
        "innovation": {"score": 3.5, "reason": HUGE},
        "recommendation": {"score": 4.2, "reason": HUGE},
    }
    return reply(json.dumps(huge))


def test_a_200_kb_reply_field_makes_a_post_of_normal_size(project, capsys):
    items = hf_items()[:3]
    sizes = {}
    with serve_hf(HFState(days={DAY: items})) as hf:
        for name, script in (("normal", reply(json.dumps(DIGEST_REPLY))), ("huge", huge_reply)):
            config = write_config(
                project,
                [{"name": "hf-daily", "kind": "hf_daily", "base_url": hf}],
                language="en",
                posts_dir=f"posts-{name}",
            )
            with FakeOpenAI(default=script) as llm:
                argv = ["run", "--config", config, "--date", DAY, "--force"]
                assert main(argv, environ=llm_env(llm)) == 0
            schema = llm.requests[0]["response_format"]["json_schema"]["schema"]
            post = (project / f"posts-{name}" / f"{DAY}-hf-daily.md").read_text()
            sizes[name] = len(post.encode())
    assert "summarized 3" in capsys.readouterr().out
    # Each paper's summary is at most a few KB more than a normal one: 10 fields of 200 KB
    # (6 MB for three papers) became about 5 KB a paper.
    assert sizes["huge"] < sizes["normal"] + 3 * 8_000, sizes
    main_work = re.search(r"\n### Main work\n\n(.*)\n", post).group(1)
    assert len(main_work) <= 1500 and main_work.endswith("blocks."), main_work[-80:]
    record = json.loads(
        (project / "data" / "papers" / f"{items[0]['paper']['id']}.json").read_text()
    )
    content = record["summaries"]["digest"]["content"]
    assert len(json.dumps(content)) < 8_000  # data/ holds the cut summary too
    # The provider was told the lengths, in the schema it was sent.
    assert [path for path, node in _walk(schema) if _unbounded_string(node)] == []


@pytest.mark.parametrize("kind", ["topic"])
def test_every_llm_string_has_a_maximum_length_in_the_schema_sent(kind):
    """The provider is told the lengths too (structured output can enforce them); the
    digest's schema is checked in the request above."""
    from paperpress.prompts import schema_json

    schema = json.loads(schema_json(kind))
    unbounded = [path for path, node in _walk(schema) if _unbounded_string(node)]
    assert unbounded == [], unbounded


def _unbounded_string(node: dict[str, Any]) -> bool:
    return node.get("type") == "string" and "maxLength" not in node


def _walk(node: Any, path: str = "$"):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")

"""The faithfulness guard: no number or name in a summary that the paper does not contain.

The pure check first (planted claims of each kind, supported claims in each normalization,
a Chinese summary), then the guard in the real summarizer against the local OpenAI server
(a repair that succeeds, one that fails, a re-run without a call), and the promise that it
removes no supported figure on the recorded days.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI, reply
from paperpress import extractive
from paperpress.cli import main
from paperpress.config import LLMSettings
from paperpress.faithfulness import Claim, Source, claims, unsupported
from paperpress.guard import record, source_of, without
from paperpress.models import Paper
from paperpress.prompts import load_prompt
from paperpress.render import make_environment
from paperpress.sources.hf import parse_daily_papers
from paperpress.summarize import LLMSummarizer, summarize_all
from tests.helpers import fixture, fixture_names

SOURCE = (
    "We train a 7B model on 1000 images. It reaches $93.6\\%$ on MMLU and 90.8 % on GSM8K, "
    "runs 11.1x faster than large multimodal models of its size, and scores ８５.２％ on "
    "ImageNet with a Mixture-of-Experts head (Qwen2.5-VL backbone), 12 million steps."
)


def found(text: str, source: str = SOURCE) -> dict[str, bool]:
    index = Source.of(source)
    return {claim.text: index.supports(claim) for claim in claims({"main_work": text})}


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("accuracy improves by 37%", "a percentage"),
        ("a 2.5× speed-up", "a multiplier"),
        ("a 13B model", "a count"),
        ("trained on 4,096 GPUs hours", "a count with a separator"),
        ("tops the FooBench leaderboard", "a made-up benchmark"),
        ("beats GPT-4o", "a model the paper never names"),
        ("with 0.73 F1", "a decimal"),
    ],
)
def test_a_planted_claim_is_found_unsupported(planted, kind):
    verdicts = found(f"The model works; {planted}.")
    assert verdicts and not all(verdicts.values()), (kind, verdicts)


@pytest.mark.parametrize(
    "supported",
    [
        "93.6% on MMLU",  # LaTeX $93.6\%$ in the source
        "90.8% on GSM8K",  # "90.8 %" in the source
        "11.1× faster",  # "11.1x" in the source
        "1,000 images",  # "1000" in the source
        "85.2% on ImageNet",  # full-width digits and percent sign in the source
        "a 7 billion parameter model",  # "7B"
        "12M steps",  # "12 million"
        "LMMs of its size",  # "large multimodal models", spelled out
        "a Qwen2.5-VL backbone",
        "Mixture-of-Experts",
    ],
)
def test_the_sources_own_figures_and_names_are_supported_in_any_spelling(supported):
    verdicts = found(supported)
    assert verdicts and all(verdicts.values()), verdicts


def test_a_chinese_summary_is_checked_on_its_arabic_figures_and_latin_names():
    verdicts = found(
        "该模型在 MMLU 上达到 93.6%，推理速度提升 11.1 倍，比基线高 12.5%，并超越 GPT-4o。"
    )
    assert verdicts == {"93.6%": True, "11.1 倍": True, "12.5%": False, "MMLU": True,
                        "GPT-4o": False}  # fmt: skip


def test_a_figure_right_after_a_chinese_character_is_checked():
    """Chinese puts no space between a word and a figure: 提升了38% is a claim like "by 38%"."""
    verdicts = found("模型提升了38%，快了3.6倍，训练了13B参数，高出12.5个百分点。")
    assert verdicts == {"38%": False, "3.6倍": False, "13B": False, "12.5个百分点": False}
    verdicts = found(
        "在MMLU上达到93.6%，快了11.1倍，训练了7B参数，高出2.4个百分点。",
        SOURCE + " It beats the baseline by 2.4 points.",
    )
    assert verdicts == {"93.6%": True, "11.1倍": True, "7B": True, "2.4个百分点": True,
                        "MMLU": True}  # fmt: skip


def test_a_size_is_one_figure_in_any_spelling():
    source = SOURCE + " A 5x5 kernel on 224 \\times 224 crops."
    assert found("a 5×5 kernel on 224x224 crops of 224 pixels", source) == {
        "5×5": True, "224x224": True, "224": True,
    }  # fmt: skip
    assert found("a 7×7 kernel", source) == {"7×7": False}


@pytest.mark.parametrize(
    ("planted", "figure", "spelled"),
    [
        ("a latency of 15 ms", "15 ms", "15ms"),
        ("3 times faster", "3 times", "3x"),
        ("only 2.5 GB of memory", "2.5 GB", "2.5GB"),
        ("trained for 40 hours", "40 hours", "40 h"),
        ("in 90 seconds", "90 seconds", "90 s"),
    ],
)
def test_times_sizes_and_durations_are_claims_with_their_unit(planted, figure, spelled):
    assert found(planted) == {figure: False}
    assert found(planted, f"{SOURCE} It takes {spelled}.") == {figure: True}


def test_a_bare_count_of_a_hundred_or_more_is_a_claim_but_not_a_year_or_a_section():
    assert found("on 4096 GPUs") == {"4096": False}
    assert found("on 1000 images") == {"1000": True}  # "1000" in the source
    assert found("Since 2024 (see Section 123, Table 101 and Fig. 205), 12 runs.") == {}
    assert found("ResNet-101 stays", SOURCE + " ResNet-101") == {"ResNet-101": True}


def test_an_acronym_is_in_the_source_as_it_is_or_spelled_out_by_adjacent_words():
    source = "We study large multimodal models, for visual question answering; it is a new task."
    assert found("LMMs for VQA", source) == {"LMMs": True, "VQA": True}
    assert found("IT and NT beat MVQ and SMM", source) == {
        "IT": False,  # "it" is a word, not the acronym
        "NT": False,  # two letters: only as they are
        "MVQ": False,  # the comma ends the run
        "SMM": False,  # "study" and "multimodal" are not adjacent
    }  # fmt: skip


def test_a_made_up_acronym_rarely_passes_against_a_long_text():
    """Random acronyms that 4,500 words of the recorded abstracts do not contain: a run of
    initials that spells three letters is common, so a few pass, not none; two never do."""
    words = " ".join(p.abstract for p in recorded_papers().values()).split()[:4500]
    source = Source.of(" ".join(words))
    words_there = set(re.findall(r"[A-Za-z0-9]+", " ".join(words)))
    rng = random.Random(13)
    for letters, most in ((2, 0), (3, 0.12)):
        made_up = {"".join(rng.choices(string.ascii_uppercase, k=letters)) for _ in range(600)}
        checked = [
            claim
            for name in made_up
            for claim in claims({"tldr": name})
            if claim.text not in words_there
        ]
        passed = [claim.text for claim in checked if source.supports(claim)]
        assert len(passed) <= most * len(checked), (letters, len(passed), len(checked))


def test_scores_and_their_reasons_are_not_claims():
    content = {"tldr": "Fine.", "recommendation": {"score": 4.5, "reason": "beats 99% of GPT-5"}}
    assert claims(content) == []


def test_removal_takes_the_sentence_that_carries_the_claim_and_nothing_else():
    content = {
        "main_work": "It trains a 7B model. It gains 37% on FooBench. It is open.",
        "highlights": ["Gains 37% overall.", "Open weights."],
    }
    bad = unsupported(content, Source.of(SOURCE))
    cleaned, removed = without(content, bad)
    assert cleaned == {"main_work": "It trains a 7B model. It is open.",
                       "highlights": ["Open weights."]}  # fmt: skip
    assert [r["sentence"] for r in removed] == ["It gains 37% on FooBench.", "Gains 37% overall."]


def test_an_item_of_a_list_goes_whole_when_one_of_its_strings_is_emptied():
    content = {
        "keywords": [
            {"term": "FooBench", "translation": "Foo 基准"},
            {"term": "MMLU", "translation": "MMLU"},
        ],
        "method_steps": ["Train on 13B tokens.", "Test on MMLU."],
    }
    cleaned, _ = without(content, unsupported(content, Source.of(SOURCE)))
    assert cleaned == {"keywords": [{"term": "MMLU", "translation": "MMLU"}],
                       "method_steps": ["Test on MMLU."]}  # fmt: skip


# --- The guard in the summarizer, against the local OpenAI server ------------------------

PAPER = Paper(
    arxiv_id="2501.00001",
    title="A 7B Model for Everything",
    abstract=SOURCE,
    authors=("A. Author",),
)


def brief(main_work: str, highlights: list[str] | None = None) -> str:
    return json.dumps({
        "tldr": "A small model that is fast.",
        "main_work": main_work,
        "highlights": highlights or ["It is fast.", "It is small."],
        "keywords": ["model", "speed", "images"],
        "practicality": {"score": 4, "reason": "fast"},
        "innovation": {"score": 3, "reason": "new"},
        "recommendation": {"score": 4, "reason": "read it"},
    })  # fmt: skip


def summarizer(server: FakeOpenAI) -> LLMSummarizer:
    settings = LLMSettings(
        model="m", base_url=server.base_url, api_key="k", language="en", temperature=0,
        concurrency=2, timeout=5, max_retries=0, max_output_tokens=500, budget_tokens=None,
    )  # fmt: skip
    return LLMSummarizer(settings, load_prompt(make_environment(), "digest"))


def summarize(server: FakeOpenAI, faithful: bool = True):
    batch = asyncio.run(
        summarize_all([PAPER], summarizer(server), concurrency=1, faithful=faithful)
    )
    return batch.records[PAPER.arxiv_id]


def test_a_repair_that_drops_the_invented_figure_is_kept():
    invented = brief("A 7B model that gains 37% on FooBench. It reaches 93.6% on MMLU.")
    honest = brief("A 7B model. It reaches 93.6% on MMLU.")
    with FakeOpenAI() as server:
        server.add(reply(invented), reply(honest))
        record = summarize(server)
        assert len(server.requests) == 2
        asked = server.requests[1]["messages"][-1]["content"]
    assert "37%; FooBench" in asked and "not in the paper's text" in asked
    assert (
        record.status == "done"
        and record.content["main_work"] == "A 7B model. It reaches 93.6% on MMLU."
    )
    checks = record.checks
    assert (checks["found"], checks["repaired"], checks["removed"]) == (2, 2, 0)
    verdicts = {(c["claim"], c["verdict"], c["action"]) for c in checks["claims"]}
    assert {("37%", "unsupported", "repaired"), ("FooBench", "unsupported", "repaired"),
            ("93.6%", "supported", "kept"), ("7B", "supported", "kept")} <= verdicts  # fmt: skip


def test_a_repair_that_keeps_the_claim_loses_its_sentence():
    invented = brief("A 7B model. It gains 37% on FooBench. It reaches 93.6% on MMLU.")
    with FakeOpenAI(default=reply(invented)) as server:
        record = summarize(server)
        assert len(server.requests) == 2  # the reply and one repair, no more
    assert record.content["main_work"] == "A 7B model. It reaches 93.6% on MMLU."
    assert record.checks["removed"] == 2
    assert record.checks["removed_sentences"][0]["sentence"] == "It gains 37% on FooBench."


def test_an_invented_keyword_costs_the_keyword_not_the_summary():
    invented = json.loads(brief("A 7B model. It reaches 93.6% on MMLU."))
    invented["keywords"] += [{"term": "FooBench", "translation": "Foo 基准"}]
    with FakeOpenAI(default=reply(json.dumps(invented))) as server:
        record = summarize(server)
    assert record.status == "done", record.error
    assert [k["term"] for k in record.content["keywords"]] == ["model", "speed", "images"]
    assert record.checks["removed_sentences"] == [
        {"field": "keywords[3].term", "sentence": "FooBench", "claims": ["FooBench"]}
    ]


def test_every_unsupported_claim_is_counted_once_as_repaired_or_removed():
    """Per occurrence: found == repaired + removed, the repair's own inventions included."""
    first = brief("A 7B model. It gains 37% on FooBench.", ["Gains 37% overall.", "It is small."])
    second = brief(
        "A 7B model. It gains 37% on the test set.",
        ["It is fast.", "It is small.", "Runs 9.9x faster."],
    )
    with FakeOpenAI() as server:
        server.add(reply(first), reply(second))
        record = summarize(server)
    checks = record.checks
    assert record.status == "done", record.error
    assert (checks["found"], checks["repaired"], checks["removed"]) == (4, 2, 2)
    unsupported_claims = [
        (c["field"], c["claim"], c["action"])
        for c in checks["claims"]
        if c["verdict"] != "supported"
    ]
    assert unsupported_claims == [
        ("main_work", "37%", "removed"),  # still there after the repair
        ("main_work", "FooBench", "repaired"),
        ("highlights[0]", "37%", "repaired"),
        ("highlights[2]", "9.9x", "removed"),  # the repair's own
    ]
    assert record.content["main_work"] == "A 7B model."
    assert record.content["highlights"] == ["It is fast.", "It is small."]


_CLAIM = st.builds(
    Claim,
    st.sampled_from(["main_work", "tldr", "highlights[0]"]),
    st.just("x"),
    st.just("number"),
    st.sampled_from(["37|%", "2|x", "9|n"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CLAIM, max_size=8), st.lists(_CLAIM, max_size=8), st.integers(0, 3))
def test_found_is_always_repaired_plus_removed(first, still, supported):
    """Whatever the repair kept, dropped, moved or added (``record``'s invariant)."""
    kept = [Claim("tldr", "7B", "number", "7000000000|n")] * supported
    checks = record([*kept, *first], first, still, [])
    assert checks["found"] == checks["repaired"] + checks["removed"]
    assert checks["removed"] == len(still)
    listed = [c for c in checks["claims"] if c["verdict"] == "unsupported"]
    assert len(listed) == checks["found"]
    assert sum(c["action"] == "removed" for c in listed) == checks["removed"]


def test_a_required_field_left_empty_makes_the_paper_pending_visibly():
    invented = brief("It gains 37% on FooBench.")
    with FakeOpenAI(default=reply(invented)) as server:
        record = summarize(server)
    assert record.status == "pending"
    assert "removing unsupported claims (37%, FooBench) left a required field empty" in record.error
    assert "main_work" in record.error and "retried on the next run" in record.error
    checks = record.checks  # the data file says what was found, though nothing was kept
    assert (checks["found"], checks["repaired"], checks["removed"]) == (2, 0, 2)
    assert {c["claim"] for c in checks["claims"] if c["action"] == "removed"} == {"37%", "FooBench"}


def test_with_the_guard_off_the_reply_is_taken_as_it_is():
    invented = brief("It gains 37% on FooBench.")
    with FakeOpenAI(default=reply(invented)) as server:
        record = summarize(server, faithful=False)
        assert len(server.requests) == 1
    assert record.status == "done" and record.checks is None


# --- The CLI: counts in the run line, nothing twice ------------------------------------------

RECORDED = json.loads(fixture("hf/daily_papers_2025-11-11.json").read_text())[:3]


def test_the_run_line_counts_and_a_rerun_makes_no_call(project: Path, capsys):
    def answer(body):
        text = body["messages"][-1]["content"]
        if "not in the paper's text" in text:
            return reply(brief("It does what the abstract says."))
        return reply(brief("It does what the abstract says. It gains 37% on FooBench."))

    with serve_hf(HFState(days={"2025-11-11": RECORDED})) as hf, FakeOpenAI(default=answer) as llm:
        config = project / "config.yaml"
        config.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n")
        env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": llm.base_url}
        args = ["run", "--config", str(config), "--date", "2025-11-11"]
        assert main(args, environ=env) == 0
        assert len(llm.requests) == 6  # three papers, each repaired once
        assert "unsupported claims: 6 found, 6 repaired, 0 removed" in capsys.readouterr().out
        assert main(args, environ=env) == 0
        assert len(llm.requests) == 6
        assert "unsupported claims" not in capsys.readouterr().out  # no LLM asked: no line
    stored = json.loads(next((project / "data" / "papers").glob("*.json")).read_text())
    assert stored["summaries"]["digest"]["checks"]["found"] == 2


def test_a_paper_left_pending_by_the_guard_is_counted_and_keeps_its_record(project: Path, capsys):
    invented = reply(brief("It gains 37% on FooBench."))  # the whole main work
    with (
        serve_hf(HFState(days={"2025-11-11": RECORDED[:1]})) as hf,
        FakeOpenAI(default=invented) as llm,
    ):
        config = project / "config.yaml"
        config.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{hf}'}}\n")
        env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": llm.base_url}
        assert main(["run", "--config", str(config), "--date", "2025-11-11"], environ=env) == 0
    out = capsys.readouterr().out
    assert "pending 1" in out and "unsupported claims: 2 found, 0 repaired, 2 removed" in out
    stored = json.loads(next((project / "data" / "papers").glob("*.json")).read_text())
    assert stored["summaries"]["digest"]["status"] == "pending"
    assert stored["summaries"]["digest"]["checks"]["removed"] == 2


def test_faithfulness_off_for_a_feed_skips_the_check(project: Path):
    invented = reply(brief("It gains 37% on FooBench."))
    with (
        serve_hf(HFState(days={"2025-11-11": RECORDED})) as hf,
        FakeOpenAI(default=invented) as llm,
    ):
        config = project / "config.yaml"
        config.write_text(
            f"feeds:\n  - {{name: hf-daily, kind: hf_daily, faithfulness: off, base_url: '{hf}'}}\n"
        )
        env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": llm.base_url}
        assert main(["run", "--config", str(config), "--date", "2025-11-11"], environ=env) == 0
        assert len(llm.requests) == 3
    post = (project / "posts" / "2025-11-11-hf-daily.md").read_text()
    assert post.count("FooBench") == 3


# --- It never removes a supported figure ---------------------------------------------------

_PERCENT = re.compile(r"\d+(?:\.\d+)?\s*(?:\\?%|％|percent)")


def recorded_papers() -> dict[str, Paper]:
    papers = {}
    for path in [fixture(name) for name in fixture_names("hf/*.json")]:
        day = path.stem.removeprefix("daily_papers_")
        for paper in parse_daily_papers(path.read_bytes(), day=day, feed="hf").papers:
            papers[paper.title] = paper
    return papers


def test_an_abstract_quoted_whole_is_fully_supported_by_its_paper():
    """Every figure and name of each recorded abstract, read as a summary of its paper."""
    flagged = {}
    for paper in recorded_papers().values():
        quoted = {"tldr": paper.title, "main_work": paper.abstract}
        flagged[paper.arxiv_id] = [claim.text for claim in unsupported(quoted, source_of(paper))]
    assert {arxiv_id: bad for arxiv_id, bad in flagged.items() if bad} == {}


def test_a_copying_llm_keeps_the_percentages_of_nine_in_ten_papers():
    """On the recorded days, with an LLM that copies each paper's own sentences (those that
    report a percentage first), at least 90% of the papers whose abstract reports one keep
    it in their summary."""
    papers = recorded_papers()

    def copying(body):
        asked = body["messages"][-1]["content"]
        paper = papers[asked.split("Title: ", 1)[1].split("\n", 1)[0]]
        sentences = extractive.sentences(paper.abstract)
        quoted = [s for s in sentences if _PERCENT.search(s)] or sentences[:1]
        copied = extractive.summarize(paper, "en").model_dump(mode="json")
        return reply(json.dumps({**copied, "main_work": " ".join(quoted[:2])}))

    with FakeOpenAI(default=copying) as server:
        batch = asyncio.run(summarize_all(list(papers.values()), summarizer(server), concurrency=4))
    reporting = [p for p in papers.values() if _PERCENT.search(p.abstract)]
    kept = [
        p
        for p in reporting
        if batch.records[p.arxiv_id].status == "done"
        and _PERCENT.search(batch.records[p.arxiv_id].content["main_work"])
    ]
    assert len(reporting) >= 10
    assert len(kept) / len(reporting) >= 0.9, [p.arxiv_id for p in reporting if p not in kept]

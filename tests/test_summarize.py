"""Summaries: reply parsing, prompts and keys (pure), then the real openai SDK against a
local OpenAI-compatible server (fallbacks, repair, retries, timeouts, concurrency, budget),
and the built-in extractive summarizer on recorded Hugging Face papers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from devtools.fakes.openai_server import (
    Action,
    FakeOpenAI,
    error,
    faulty,
    hang,
    malformed,
    reply,
    truncated,
)
from paperpress import extractive
from paperpress.config import LLMSettings, Price
from paperpress.errors import SummaryError
from paperpress.models import DigestSummary, Paper, SummaryRecord
from paperpress.prompts import (
    build_messages,
    extract_json,
    load_prompt,
    parse_summary,
    summary_key,
    with_schema,
)
from paperpress.render import make_environment
from paperpress.sources.hf import parse_daily_papers
from paperpress.summarize import LLMSummarizer, summarize_all
from paperpress.usage import Budget, Usage
from tests.helpers import DIGEST_REPLY, DIGEST_REPLY_TEXT, fixture, fixture_names, override_template

OFF_SCHEMA = json.dumps({**DIGEST_REPLY, "highlights": ["only one"], "practicality": {"score": 9}})


def hf_papers(name: str = "daily_papers_2024-04-04.json") -> list[Paper]:
    day = name.removeprefix("daily_papers_").removesuffix(".json")
    return parse_daily_papers(fixture(f"hf/{name}").read_bytes(), day=day, feed="hf-daily").papers


def all_hf_papers() -> list[Paper]:
    return [p for name in fixture_names("hf/*.json") for p in hf_papers(Path(name).name)]


PAPER = Paper(
    arxiv_id="2404.02258",
    title="Mixture-of-Depths: Dynamically allocating compute",
    authors=("David Raposo", "Adam Santoro"),
    abstract="Transformer-based language models spread FLOPs uniformly across input sequences.",
    version=2,
)


# --- Pure: reply parsing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "reply_text",
    [
        '{"a": 1, "b": {"c": [1, 2]}}',
        '<think>I should answer {"a": 0} maybe</think>\n{"a": 1, "b": {"c": [1, 2]}}',
        '<thinking>\nplan {"a": 0}\n</thinking>{"a": 1, "b": {"c": [1, 2]}}',
        'plan {"a": 0} the server ate the opening tag</think>{"a": 1, "b": {"c": [1, 2]}}',
        '```json\n{"a": 1, "b": {"c": [1, 2]}}\n```',
        'Sure! Here it is:\n```\n{"a": 1, "b": {"c": [1, 2]}}\n```\nHope this helps {ok}',
        'Here is the summary: {"a": 1, "b": {"c": [1, 2]}} Let me know {if} you need more.',
        'Fill in {tldr} and {main_work}: {"a": 1, "b": {"c": [1, 2]}}',
        '<think>x</think>\n```JSON\n{"a": 1, "b": {"c": [1, 2]}}```',
        'The schema is {"type": "object"}.\n```json\n{"a": 1, "b": {"c": [1, 2]}}\n```',
    ],
)
def test_extract_json_finds_the_object_past_thinking_fences_and_chatter(reply_text: str):
    assert extract_json(reply_text) == {"a": 1, "b": {"c": [1, 2]}}


def test_extract_json_keeps_braces_inside_strings():
    assert extract_json('{"tldr": "uses {x} and }"}') == {"tldr": "uses {x} and }"}


@pytest.mark.parametrize(
    "reply_text",
    ["", "I cannot help with that.", "[1, 2, 3]", "{tldr: unquoted}", '<think>{"a": 1}</think>'],
)
def test_extract_json_without_an_object_is_a_summary_error(reply_text: str):
    with pytest.raises(SummaryError, match="no JSON object"):
        extract_json(reply_text)


def test_a_reply_nested_too_deep_is_a_summary_error_at_once():
    """A reply steered into ``{"a": {"a": ...`` 100,000 deep: a SummaryError (a repair call
    can mend it), not a RecursionError, and no retry at each of its 100,000 braces."""
    started = time.monotonic()
    with pytest.raises(SummaryError, match="nests too deep"):
        extract_json('{"a": ' * 100_000 + "1" + "}" * 100_000)
    assert time.monotonic() - started < 1


def test_parse_summary_validates_and_normalizes():
    summary = parse_summary(f"<think>ok</think>```json\n{DIGEST_REPLY_TEXT}\n```")
    assert summary.highlights == DIGEST_REPLY["highlights"]
    assert [(k.term, k.translation) for k in summary.keywords] == [
        ("conditional compute", "条件计算"),
        ("routing", "路由"),
        ("transformer", "transformer"),
    ]
    assert summary.recommendation.score == 4.0  # rounded to half points


def test_parse_summary_names_each_problem():
    with pytest.raises(SummaryError) as caught:
        parse_summary(OFF_SCHEMA)
    message = str(caught.value)
    assert "highlights" in message
    assert "practicality.score" in message
    assert "practicality.reason" in message


# --- Pure: keys and prompts -------------------------------------------------------------


def test_summary_key_changes_with_everything_it_depends_on():
    base = {"model": "gpt-4o-mini", "language": "zh", "prompt_hash": "abc"}
    key = summary_key(PAPER, **base)
    assert key == summary_key(PAPER, **base)
    assert "2404.02258v2" in key
    others = [
        summary_key(PAPER, **{**base, "model": "deepseek-chat"}),
        summary_key(PAPER, **{**base, "language": "en"}),
        summary_key(PAPER, **{**base, "prompt_hash": "abd"}),
        summary_key(Paper(arxiv_id=PAPER.arxiv_id, title=PAPER.title, version=3), **base),
        summary_key(Paper(arxiv_id=PAPER.arxiv_id, title=PAPER.title), **base),
    ]
    assert len({key, *others}) == 1 + len(others)


def test_summary_key_ignores_what_does_not_change_the_summary():
    base = {"model": "m", "language": "en", "prompt_hash": "h"}
    moved = Paper(arxiv_id=PAPER.arxiv_id, title=PAPER.title, version=2, upvotes=99, day="x")
    assert summary_key(moved, **base) == summary_key(PAPER, **base)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A blog's templates folder, empty: the package's defaults apply."""
    (tmp_path / "templates").mkdir()
    return tmp_path / "templates"


@pytest.mark.parametrize("name", ["prompts/system.j2", "prompts/digest.j2"])
def test_prompt_hash_changes_when_a_prompt_template_changes(templates: Path, name: str):
    before = load_prompt(make_environment(templates)).hash
    assert load_prompt(make_environment(templates)).hash == before
    assert load_prompt(make_environment()).hash == before
    path = override_template(templates, name)
    assert load_prompt(make_environment(templates)).hash == before  # a copy changes nothing
    path.write_text(path.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
    assert load_prompt(make_environment(templates)).hash != before


def test_prompt_hash_ignores_the_post_template(templates: Path):
    before = load_prompt(make_environment(templates)).hash
    override_template(templates, "digest.md.j2").write_text("changed\n", encoding="utf-8")
    assert load_prompt(make_environment(templates)).hash == before


def test_messages_in_chinese_and_english():
    prompt = load_prompt(make_environment())
    zh_system, zh_user = build_messages(prompt, PAPER, "zh")
    en_system, _ = build_messages(prompt, PAPER, "en")
    assert (zh_system["role"], zh_user["role"]) == ("system", "user")
    assert "Simplified Chinese" in zh_system["content"]
    assert "Simplified Chinese" not in en_system["content"]
    # The schema travels as the response format, and in the prompt only for the fallbacks.
    assert '"properties"' not in zh_system["content"] + zh_user["content"]
    schema_system, schema_user = with_schema([zh_system, zh_user], "digest")
    assert '"properties"' in schema_system["content"] and schema_user == zh_user
    assert PAPER.title in zh_user["content"]
    assert PAPER.abstract in zh_user["content"]
    assert "David Raposo, Adam Santoro" in zh_user["content"]


def test_messages_for_a_recorded_paper_hold_its_title_and_abstract():
    prompt = load_prompt(make_environment())
    paper = hf_papers()[0]
    _, user = build_messages(prompt, paper, "en")
    assert paper.title in user["content"]
    assert paper.abstract[:200] in user["content"]


# --- The extractive summarizer ----------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_extractive_summary_fits_the_schema_for_every_recorded_paper(language: str):
    papers = all_hf_papers()
    assert len(papers) > 30
    for paper in papers:
        summary = extractive.summarize(paper, language)
        again = DigestSummary.model_validate(summary.model_dump(mode="json"))
        assert again == summary, paper.arxiv_id
        assert summary.tldr and summary.main_work, paper.arxiv_id


def test_extractive_summary_of_a_paper_without_an_abstract():
    paper = Paper(arxiv_id="2501.00001", title="A Title Alone", abstract="")
    summary = DigestSummary.model_validate(
        extractive.summarize(paper, "zh").model_dump(mode="json")
    )
    assert summary.tldr == "A Title Alone"
    assert 2 <= len(summary.highlights) <= 5
    assert 3 <= len(summary.keywords) <= 6


# --- The LLM summarizer over real HTTP --------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=reply(DIGEST_REPLY_TEXT)) as fake:
        yield fake


def settings(**changes: Any) -> LLMSettings:
    values: dict[str, Any] = {
        "model": "test-model",
        "base_url": None,
        "api_key": "test",
        "language": "en",
        "temperature": 0.2,
        "concurrency": 4,
        "timeout": 2.0,
        "max_retries": 0,
        "max_output_tokens": 800,
        "budget_tokens": None,
    }
    return LLMSettings(**{**values, **changes})


def summarizer(fake: FakeOpenAI, *, timeout: float = 2.0, max_retries: int = 0) -> LLMSummarizer:
    def client() -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=fake.base_url, api_key="test", timeout=timeout, max_retries=max_retries
        )

    prompt = load_prompt(make_environment())
    return LLMSummarizer(settings(timeout=timeout, max_retries=max_retries), prompt, client)


def run(
    papers: list[Paper], llm: LLMSummarizer, concurrency: int = 4, **kwargs: Any
) -> dict[str, SummaryRecord]:
    return asyncio.run(summarize_all(papers, llm, concurrency=concurrency, **kwargs)).records


def formats(fake: FakeOpenAI) -> list[str | None]:
    return [(body.get("response_format") or {}).get("type") for body in fake.requests]


def test_a_valid_reply_becomes_a_done_record(server: FakeOpenAI):
    server.default = reply(DIGEST_REPLY_TEXT, prompt_tokens=700, completion_tokens=120)
    llm = summarizer(server)
    seen: list[str] = []
    records = run([PAPER], llm, on_done=lambda paper, record: seen.append(paper.arxiv_id))
    record = records[PAPER.arxiv_id]
    assert record.status == "done", record.error
    assert record.tokens == 820
    assert record.digest == parse_summary(DIGEST_REPLY_TEXT)
    assert (record.model, record.language, record.prompt_hash) == (
        "test-model",
        "en",
        llm.prompt_hash,
    )
    assert record.key == summary_key(
        PAPER, model="test-model", language="en", prompt_hash=llm.prompt_hash
    )
    assert seen == [PAPER.arxiv_id]
    assert llm.client is None  # summarize_all closed it
    (body,) = server.requests
    assert body["model"] == "test-model"
    assert body["max_tokens"] == 800
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert PAPER.title in body["messages"][1]["content"]


def test_the_first_request_asks_for_a_json_schema(server: FakeOpenAI):
    run([PAPER], summarizer(server))
    response_format = server.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]["schema"]
    assert schema == DigestSummary.model_json_schema()
    assert {"tldr", "highlights", "keywords", "recommendation"} <= set(schema["required"])


def test_a_reply_with_thinking_and_a_fence_still_parses(server: FakeOpenAI):
    server.default = reply(
        f"<think>\nThe user wants {{json}}.\n</think>\n```json\n{DIGEST_REPLY_TEXT}\n```"
    )
    record = run([PAPER], summarizer(server))[PAPER.arxiv_id]
    assert record.status == "done", record.error
    assert record.digest is not None
    assert record.digest.tldr == DIGEST_REPLY["tldr"]
    assert len(server.requests) == 1  # no repair needed


def test_without_json_schema_support_it_falls_back_to_json_mode(server: FakeOpenAI):
    server.reject_response_format = {"json_schema"}
    papers = hf_papers()[:3]
    records = run(papers, summarizer(server), concurrency=1)
    assert [r.status for r in records.values()] == ["done"] * 3
    # One refusal, then JSON mode for this paper and every later one.
    assert formats(server) == ["json_schema", "json_object", "json_object", "json_object"]


def test_without_any_response_format_it_falls_back_to_plain_text(server: FakeOpenAI):
    server.reject_response_format = {"json_schema", "json_object"}
    papers = hf_papers()[:2]
    records = run(papers, summarizer(server), concurrency=1)
    assert [r.status for r in records.values()] == ["done"] * 2
    assert formats(server) == ["json_schema", "json_object", None, None]
    assert "response_format" not in server.requests[-1]


def test_a_request_refused_in_every_mode_is_pending(server: FakeOpenAI):
    server.default = error(400, "structured output is not supported", type="invalid_request_error")
    record = run([PAPER], summarizer(server))[PAPER.arxiv_id]
    assert record.status == "pending"
    assert "refused" in (record.error or "") and "400" in (record.error or "")
    assert formats(server) == ["json_schema", "json_object", None]


def test_a_refusal_unrelated_to_the_format_keeps_the_format(server: FakeOpenAI):
    server.default = error(400, "context_length_exceeded", type="invalid_request_error")
    llm = summarizer(server)
    record = run([PAPER], llm)[PAPER.arxiv_id]
    assert record.status == "pending" and "context_length_exceeded" in (record.error or "")
    assert formats(server) == ["json_schema"]
    assert llm.mode == "json_schema"


def test_an_off_schema_reply_gets_one_repair_call(server: FakeOpenAI):
    server.add(
        reply(OFF_SCHEMA, prompt_tokens=600, completion_tokens=100),
        reply(DIGEST_REPLY_TEXT, prompt_tokens=800, completion_tokens=90),
    )
    record = run([PAPER], summarizer(server))[PAPER.arxiv_id]
    assert record.status == "done", record.error
    assert record.tokens == 1590
    first, repair = server.requests
    assert [m["role"] for m in repair["messages"]] == ["system", "user", "assistant", "user"]
    assert repair["messages"][:2] == first["messages"]
    assert repair["messages"][2]["content"] == OFF_SCHEMA
    problem = repair["messages"][3]["content"]
    assert "highlights" in problem and "practicality.score" in problem


def test_a_second_bad_reply_leaves_that_paper_pending_and_the_rest_done(server: FakeOpenAI):
    papers = hf_papers()[:4]
    bad = papers[1]

    def answer(body: dict[str, Any]) -> Action:
        if bad.title in body["messages"][1]["content"]:
            return reply(OFF_SCHEMA)
        return reply(DIGEST_REPLY_TEXT)

    server.default = answer
    records = run(papers, summarizer(server), concurrency=4)
    assert records[bad.arxiv_id].status == "pending"
    assert records[bad.arxiv_id].content is None
    assert "schema" in (records[bad.arxiv_id].error or "")
    assert "highlights" in (records[bad.arxiv_id].error or "")
    assert [records[p.arxiv_id].status for p in papers if p is not bad] == ["done"] * 3
    about_bad = [b for b in server.requests if bad.title in b["messages"][1]["content"]]
    assert len(about_bad) == 2  # the call and exactly one repair
    assert len(server.requests) == 5


def test_a_rate_limit_with_retry_after_is_retried_by_the_sdk(server: FakeOpenAI):
    server.add(error(429, "Rate limit reached", type="requests", retry_after=0.2))
    start = time.monotonic()
    record = run([PAPER], summarizer(server, max_retries=2))[PAPER.arxiv_id]
    assert record.status == "done", record.error
    assert len(server.requests) == 2
    assert time.monotonic() - start >= 0.2  # Retry-After was honoured


def test_server_errors_are_retried_until_one_succeeds(server: FakeOpenAI):
    server.add(error(500, retry_after=0.05), error(500, retry_after=0.05))
    record = run([PAPER], summarizer(server, max_retries=2))[PAPER.arxiv_id]
    assert record.status == "done", record.error
    assert len(server.requests) == 3


def test_server_errors_past_the_retries_leave_the_paper_pending(server: FakeOpenAI):
    server.default = error(503, "overloaded", retry_after=0.05)
    record = run([PAPER], summarizer(server, max_retries=1))[PAPER.arxiv_id]
    assert record.status == "pending"
    assert "503" in (record.error or "")
    assert len(server.requests) == 2


def test_a_hanging_server_times_out_into_a_pending_paper(server: FakeOpenAI):
    server.add(hang(10))
    papers = hf_papers()[:2]
    start = time.monotonic()
    records = run(papers, summarizer(server, timeout=0.5), concurrency=1)
    assert time.monotonic() - start < 3
    first, second = (records[p.arxiv_id] for p in papers)
    assert first.status == "pending"
    assert "timed out" in (first.error or "").lower()
    assert second.status == "done", second.error


def test_a_body_that_is_not_json_leaves_the_paper_pending(server: FakeOpenAI):
    server.add(malformed())
    papers = hf_papers()[:2]
    records = run(papers, summarizer(server), concurrency=1)
    first, second = (records[p.arxiv_id] for p in papers)
    assert first.status == "pending"
    assert "not JSON" in (first.error or "")
    assert second.status == "done", second.error


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_is_bounded(server: FakeOpenAI, concurrency: int):
    server.latency = 0.15
    papers = hf_papers()[:7]
    records = run(papers, summarizer(server), concurrency=concurrency)
    assert [r.status for r in records.values()] == ["done"] * 7
    assert len(server.requests) == 7
    assert server.max_in_flight <= concurrency
    if concurrency > 1:
        assert server.max_in_flight > 1


def test_the_token_budget_leaves_later_papers_pending(server: FakeOpenAI):
    server.default = reply(DIGEST_REPLY_TEXT, prompt_tokens=80, completion_tokens=20)
    papers = hf_papers()[:4]
    records = run(papers, summarizer(server), concurrency=1, budget=Budget(tokens=200))
    statuses = [records[p.arxiv_id].status for p in papers]
    assert statuses == ["done", "done", "pending", "pending"]  # spent 0, 100, then 200: used up
    assert all("budget" in (records[p.arxiv_id].error or "") for p in papers[2:])
    assert len(server.requests) == 2


def test_a_budget_in_dollars_stops_new_calls_at_the_configured_price(server: FakeOpenAI):
    server.default = reply(DIGEST_REPLY_TEXT, prompt_tokens=800, completion_tokens=200)
    price = Price(prompt_per_million=0.5, completion_per_million=2.0)  # $0.0008 a paper
    papers = hf_papers()[:4]
    spent = Usage()
    budget = Budget(usd=0.0015, price=price)
    records = run(papers, summarizer(server), concurrency=1, budget=budget, spent=spent)
    statuses = [records[p.arxiv_id].status for p in papers]
    assert statuses == ["done", "done", "pending", "pending"]  # $0.0016 >= $0.0015: stop
    assert all("cost budget ($0.0015)" in (records[p.arxiv_id].error or "") for p in papers[2:])
    assert len(server.requests) == 2
    assert (spent.prompt, spent.completion) == (1600, 400)
    assert spent.cost(price) == pytest.approx(0.0016)


def test_the_budget_is_per_run_when_the_calls_share_what_was_spent(server: FakeOpenAI):
    server.default = reply(DIGEST_REPLY_TEXT, prompt_tokens=80, completion_tokens=20)
    first, second = hf_papers()[:2]
    spent, budget = Usage(), Budget(tokens=100)
    assert run([first], summarizer(server), budget=budget, spent=spent)[first.arxiv_id].status == (
        "done"
    )
    later = run([second], summarizer(server), budget=budget, spent=spent)[second.arxiv_id]
    assert later.status == "pending" and "token budget (100)" in (later.error or "")
    assert len(server.requests) == 1


def test_a_failed_summary_still_counts_the_tokens_the_api_billed(server: FakeOpenAI):
    server.add(
        reply(OFF_SCHEMA, prompt_tokens=600, completion_tokens=100),
        reply(OFF_SCHEMA, prompt_tokens=700, completion_tokens=90),
    )
    spent = Usage()
    record = run([PAPER], summarizer(server), spent=spent)[PAPER.arxiv_id]
    assert record.status == "pending" and record.tokens == 1490
    assert (spent.prompt, spent.completion) == (1300, 190)


def test_usage_is_summed_as_prompt_and_completion_tokens(server: FakeOpenAI):
    server.default = reply(DIGEST_REPLY_TEXT, prompt_tokens=300, completion_tokens=120)
    spent = Usage()
    records = run(hf_papers()[:3], summarizer(server), spent=spent)
    assert [r.tokens for r in records.values()] == [420] * 3
    assert (spent.prompt, spent.completion, spent.total) == (900, 360, 1260)
    assert server.usage_sent == [900, 360]


def test_a_reply_cut_off_at_the_token_limit_gets_a_repair_call(server: FakeOpenAI):
    server.add(truncated(DIGEST_REPLY_TEXT, prompt_tokens=500, completion_tokens=800))
    record = run([PAPER], summarizer(server))[PAPER.arxiv_id]
    assert record.status == "done", record.error
    assert record.tokens == 1300 + 150
    assert server.served == ["truncated", "reply"]
    assert (
        server.requests[1]["messages"][2]["content"]
        == DIGEST_REPLY_TEXT[: len(DIGEST_REPLY_TEXT) // 2]
    )


def test_the_faulty_script_fails_a_share_of_calls_the_same_way_every_time():
    faults = [error(500), hang(0), malformed()]
    bodies = [{"messages": [{"role": "user", "content": f"paper {n}"}]} for n in range(2000)]
    first = faulty(reply("ok"), faults, rate=0.3, seed=7)
    kinds = [first(body).kind for body in bodies]
    assert 0.26 < sum(kind != "reply" for kind in kinds) / len(kinds) < 0.34
    assert {"error", "hang", "malformed"} <= set(kinds)
    again = faulty(reply("ok"), faults, rate=0.3, seed=7)
    assert [again(body).kind for body in reversed(bodies)][::-1] == kinds  # order-free
    retried = [first(body).kind for body in bodies]  # each body's second attempt
    assert retried != kinds
    assert [faulty(reply("ok"), faults, rate=0)(b).kind for b in bodies[:50]] == ["reply"] * 50

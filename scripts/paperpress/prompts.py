"""Prompts and replies, pure: the chat messages for one paper (``build_messages``), the key a
summary is cached under (``summary_key``), and a reply read tolerantly into a validated
summary (``parse_summary``: ``<think>`` blocks, code fences and chatter skipped)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from pydantic import BaseModel, ValidationError

from paperpress.errors import SummaryError
from paperpress.models import SCHEMAS, DigestSummary, Paper


@dataclass(frozen=True)
class Prompt:
    """One kind of summary: ``digest`` (abstract -> DigestSummary) or ``topic`` (full text ->
    TopicSummary), with its templates and a hash of them and the schema for cache keys."""

    kind: str
    system: jinja2.Template
    user: jinja2.Template
    hash: str

    @property
    def schema(self) -> type[BaseModel]:
        return SCHEMAS[self.kind]


def load_prompt(env: jinja2.Environment, kind: str = "digest") -> Prompt:
    names = ("prompts/system.j2", f"prompts/{kind}.j2")
    sources = [env.loader.get_source(env, name)[0] for name in names]  # type: ignore[union-attr]
    digest = hashlib.sha256("\0".join([*sources, schema_text(kind)]).encode()).hexdigest()[:16]
    return Prompt(kind, env.get_template(names[0]), env.get_template(names[1]), digest)


@functools.cache
def schema_text(kind: str = "digest") -> str:
    """The schema as the prompt shows it (made once: pydantic takes milliseconds per call)."""
    return json.dumps(SCHEMAS[kind].model_json_schema(), ensure_ascii=False, sort_keys=True)


@functools.cache
def schema_json(kind: str) -> str:
    """The schema as the ``response_format`` sends it."""
    return json.dumps(SCHEMAS[kind].model_json_schema())


PROMPT_AUTHORS = 8  # names the prompt gives; a 90-author list costs tokens and says nothing


def build_messages(
    prompt: Prompt, paper: Paper, language: str, material: str | None = None
) -> list[dict[str, str]]:
    """The chat messages, the static part first (the system prompt, then the instructions)
    so that providers' prompt caching applies; ``material`` is a topic paper's full text.
    The JSON schema is not in them: it travels as the response format (``with_schema``)."""
    system = prompt.system.render(language=language)
    authors = list(paper.authors[:PROMPT_AUTHORS])
    if len(paper.authors) > PROMPT_AUTHORS:
        authors.append(f"et al. ({len(paper.authors)} authors)")
    shown = dataclasses.replace(paper, authors=tuple(authors))
    user = prompt.user.render(paper=shown, language=language, material=material)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def with_schema(messages: list[dict[str, str]], kind: str) -> list[dict[str, str]]:
    """``messages`` for a provider that takes no JSON-schema response format (JSON mode,
    plain text): the schema is written into the system prompt instead."""
    first, *rest = messages
    schema = f"{first['content'].rstrip()}\nMatch this JSON schema:\n{schema_text(kind)}"
    return [{**first, "content": schema}, *rest]


def summary_key(
    paper: Paper, *, model: str, language: str, prompt_hash: str, kind: str = "digest"
) -> str:
    """What a summary depends on; a stored summary with another key is stale."""
    version = f"v{paper.version}" if paper.version else ""
    return f"{paper.arxiv_id}{version}|{model}|{language}|{prompt_hash}|{kind}"


_THINK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(reply: str) -> dict[str, Any]:
    """The first JSON object in a reply, past reasoning blocks, fences and chatter."""
    text = _THINK.sub("", reply or "")
    if "</think>" in text:  # an opening tag the server already stripped
        text = text.rsplit("</think>", 1)[1]
    fenced = _FENCE.search(text)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(text)
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for match in re.finditer(r"\{", candidate):
            try:
                value, _ = decoder.raw_decode(candidate, match.start())
            except ValueError:
                continue
            except RecursionError as exc:  # each later brace would nest as deep: stop here
                raise SummaryError("the reply nests too deep to read as JSON") from exc
            if isinstance(value, dict):
                return value
    raise SummaryError("the reply holds no JSON object")


def parse_summary(reply: str, schema: type[BaseModel] = DigestSummary) -> BaseModel:
    """Reply text to a validated summary, or SummaryError saying what is wrong."""
    data = extract_json(reply)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}" for e in exc.errors()
        )
        raise SummaryError(f"the reply does not fit the schema: {problems}") from exc

"""The faithfulness guard's steps in the summarizer, pure: what a summary may quote, the
repair request, the removal of what the repaired reply still claims, and the record of it
for the data file. The claims and their look-up are ``faithfulness``'s."""

from __future__ import annotations

import re
from typing import Any

from paperpress.faithfulness import Claim, Source, claims, normalize, unsupported

UNSUPPORTED = "every sentence of it named a figure or a name the paper does not contain"

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])\s*")  # "93.6%" is no end


def without(content: dict[str, Any], bad: list[Claim]) -> tuple[dict[str, Any], list[dict]]:
    """``content`` with every sentence that carries one of ``bad`` removed from its field
    (a list item left empty goes, and so does one, such as a keyword and its translation,
    with a string left empty: half a keyword is none); and what was removed, for the data
    file."""
    removed: list[dict] = []

    def clean(value: Any, path: str) -> Any:
        if isinstance(value, str):
            mine = [c for c in bad if c.field == path]
            if not mine:
                return value
            kept = []
            for sentence in filter(None, _SENTENCE_END.split(value)):
                carried = [c.text for c in mine if c.text in normalize(sentence)]
                if carried:
                    removed.append({"field": path, "sentence": sentence, "claims": carried})
                else:
                    kept.append(sentence)
            return " ".join(kept).strip()
        if isinstance(value, list):
            cleaned = [clean(item, f"{path}[{i}]") for i, item in enumerate(value)]
            return [
                after
                for before, after in zip(value, cleaned, strict=True)
                if after not in ("", None) and not _emptied(before, after)
            ]
        if isinstance(value, dict) and not {"score", "reason"} <= set(value):
            return {
                key: item if key == "omitted" else clean(item, f"{path}.{key}" if path else key)
                for key, item in value.items()
            }
        return value

    return clean(content, ""), removed


def _emptied(before: Any, after: Any) -> bool:
    """Whether removal emptied a string of a dict that had text in it."""
    return isinstance(before, dict) and any(
        isinstance(text, str) and text.strip() and after.get(key) == ""
        for key, text in before.items()
    )


def source_of(paper: Any, material: str | None = None) -> Source:
    """What a summary of ``paper`` may quote: its title, abstract, comment, authors and
    organization, and the full text when the model read it."""
    return Source.of(
        paper.title,
        paper.abstract,
        paper.comment,
        ", ".join(paper.authors),
        paper.organization,
        material,
    )


def review(content: dict[str, Any], source: Source) -> tuple[list[Claim], list[Claim]]:
    """Every claim of a reply, and those of them ``source`` does not support."""
    found = claims(content)
    return found, [claim for claim in found if not source.supports(claim)]


def remove(
    found: list[Claim],
    first: list[Claim],
    repaired: dict[str, Any],
    source: Source,
    optional: set[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The repaired reply without the sentences that still carry an unsupported claim (an
    optional section left empty is left out, saying why), and the record of it all."""
    still = unsupported(repaired, source)
    cleaned, removed = without(repaired, still)
    return settle(cleaned, optional, UNSUPPORTED), record(found, first, still, removed)


def left_empty(checks: dict[str, Any], errors: list[Any]) -> str:
    """Why a summary is pending when removal emptied a required field (``errors``: the
    validation's), and what happens next."""
    fields = sorted({str(error["loc"][0]) for error in errors if error["loc"]})
    listed = ", ".join(sorted({c["claim"] for c in checks["claims"] if c["action"] == "removed"}))
    return (
        f"removing unsupported claims ({listed}) left a required field empty "
        f"({', '.join(fields)}); the paper stays pending and is retried on the next run"
    )


def repair_messages(
    messages: list[dict[str, str]], reply: str, bad: list[Claim]
) -> list[dict[str, str]]:
    """The conversation so far, and the one repair request: the unsupported claims listed,
    the same fields asked for without them (or with the source's own figures)."""
    listed = "; ".join(sorted({claim.text for claim in bad}))
    request = (
        f"These figures and names are not in the paper's text: {listed}. Answer again with "
        "the same JSON object: leave them out, or use the figures and names the text gives; "
        "keep everything else as it was."
    )
    return [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": request},
    ]


def settle(content: dict[str, Any], optional: set[str], reason: str) -> dict[str, Any]:
    """An optional field that removal left empty is left out, saying why (as a section the
    model could not write is); a required one stays empty and fails validation."""
    settled = dict(content)
    for name in optional:
        if name in settled and settled[name] in ("", [], {}):
            settled[name] = None if not isinstance(settled[name], list) else []
            settled.setdefault("omitted", {})
            settled["omitted"] = {**settled["omitted"], name: reason}
    return settled


def record(
    found: list[Claim],
    first: list[Claim],
    still: list[Claim],
    removed: list[dict],
) -> dict[str, Any]:
    """For the data file: every claim of the first reply (``found``; ``first`` are its
    unsupported ones) with its verdict and what was done, then the unsupported claims the
    repaired reply added; and the counts, per occurrence (a figure in two fields is two):

    - ``found``: the first reply's unsupported claims and those the repaired reply added;
    - ``repaired``: those of the first reply the repaired reply no longer has (left out, or
      replaced by the source's own figure);
    - ``removed``: the repaired reply's unsupported claims (``still``), each gone with its
      sentence (or, when that left a required field empty, with the summary).

    So ``found == repaired + removed``, always: a verdict depends on the claim and the
    source only, so no claim is unsupported in one reply and supported in the other.
    Without a repair (or when it failed) ``still`` is ``first``: all are removed."""
    unsupported = set(first)
    bad = [claim for claim in found if claim in unsupported]
    still_there, added = _match(bad, still)
    verdicts = iter(still_there)
    claims_seen = [
        _entry(claim, "kept") if claim not in unsupported
        else _entry(claim, "removed" if next(verdicts) else "repaired")
        for claim in found
    ] + [_entry(claim, "removed") for claim in added]  # fmt: skip
    return {
        "claims": claims_seen,
        "found": len(bad) + len(added),
        "repaired": still_there.count(False),
        "removed": len(still),
        "removed_sentences": removed,
    }


def _match(bad: list[Claim], still: list[Claim]) -> tuple[list[bool], list[Claim]]:
    """Which of ``bad`` the repaired reply still has, one to one (in the same field first,
    then moved to another), and the claims of ``still`` that match none: the repair's own."""
    rest = list(still)
    there = [False] * len(bad)
    for same_field in (True, False):
        for index, claim in enumerate(bad):
            if there[index]:
                continue
            for other in rest:
                if other.key == claim.key and (other.field == claim.field or not same_field):
                    there[index] = True
                    rest.remove(other)
                    break
    return there, rest


def _entry(claim: Claim, action: str) -> dict[str, str]:
    verdict = "supported" if action == "kept" else "unsupported"
    return {"field": claim.field, "claim": claim.text, "kind": claim.kind, "verdict": verdict,
            "action": action}  # fmt: skip

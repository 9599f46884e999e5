"""The faithfulness guard's steps in the summarizer, pure: what a summary may quote, the
repair request, the removal of what the repaired reply still claims, and the record of it
for the data file. The claims and their look-up are ``faithfulness``'s."""

from __future__ import annotations

import re
from typing import Any

from paperpress.faithfulness import Claim, Source, normalize

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


def repair_request(bad: list[Claim]) -> str:
    listed = "; ".join(sorted({claim.text for claim in bad}))
    return (
        f"These figures and names are not in the paper's text: {listed}. Answer again with "
        "the same JSON object: leave them out, or use the figures and names the text gives; "
        "keep everything else as it was."
    )


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
    """For the data file: every claim of the first reply with its verdict and what was done
    (kept, repaired by the second call, removed with its sentence), and the counts."""
    bad_keys = {(c.field, c.key) for c in first}
    left = {c.key for c in still}
    claims_seen = []
    for claim in found:
        supported = (claim.field, claim.key) not in bad_keys
        action = "kept" if supported else ("removed" if claim.key in left else "repaired")
        claims_seen.append(
            {"field": claim.field, "claim": claim.text, "kind": claim.kind,
             "verdict": "supported" if supported else "unsupported", "action": action}
        )  # fmt: skip
    return {
        "claims": claims_seen,
        "found": len(first),
        "repaired": len({c.key for c in first} - left),
        "removed": len(still),
        "removed_sentences": removed,
    }

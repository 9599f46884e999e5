"""Reading ``config.yaml``: YAML, validation, paths resolved against the file's folder, and
validation errors as one readable line per problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from paperpress.config.models import FEED_KINDS, Config
from paperpress.errors import ConfigError


def load_config(path: Path) -> Config:
    """Read and validate ``path``; relative paths in it resolve against its folder."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; pass --config PATH") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise ConfigError(
            f"{path}:{line} is not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with 'feeds:' at the top level")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe(exc)}") from None
    base = path.resolve().parent
    site = config.site.model_copy(
        update={
            "posts_dir": base / config.site.posts_dir,
            "assets_dir": base / config.site.assets_dir,
        }
    )
    return config.model_copy(
        update={
            "site": site,
            "data_dir": base / config.data_dir,
            "templates_dir": base / config.templates_dir,
            "cache_dir": base / config.cache_dir,
        }
    )


def describe(exc: ValidationError) -> str:
    """One readable line per problem: the key as a path, then what is wrong or allowed."""
    lines = []
    for error in exc.errors():
        location = _location(error["loc"])
        if error["type"] == "extra_forbidden":
            message = f"unknown key{_allowed(error['loc'])}"
        elif error["type"] == "union_tag_invalid":
            message = f"unknown kind {error['input'].get('kind')!r}; allowed: {_KINDS}"
        elif error["type"] == "union_tag_not_found":
            message = f"missing 'kind'; allowed: {_KINDS}"
        else:
            message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{location}: {message}" if location else message)
    return "; ".join(lines)


_KINDS = ", ".join(FEED_KINDS)


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in FEED_KINDS:
            continue  # pydantic names the union member; the user never wrote it
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts)


def _allowed(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Config
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        if item in FEED_KINDS:
            model = FEED_KINDS[item]
            continue
        annotation = model.model_fields[item].annotation
        model = annotation if isinstance(annotation, type) else model
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return ""
    return "; allowed: " + ", ".join(model.model_fields)

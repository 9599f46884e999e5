"""The config file (``config.yaml``) and the environment, read once, in one place: no
other module reads the environment; they take the values made here.

Precedence, highest first: environment variables, the config file, the defaults below.
Secrets (API keys, tokens) come only from the environment, never from the file.

    OPENAI_API_KEY     key for the OpenAI-compatible API (the name is ``llm.api_key_env``)
    OPENAI_BASE_URL    base URL of the API (OpenAI, DeepSeek, Gemini, Ollama, vLLM ...)
    PAPERPRESS_MODEL   model name, overrides ``llm.model``
    PUBLISH_REPO, PUBLISH_BRANCH   override ``publish.repo`` and ``publish.branch``
    PUBLISH_TOKEN      token for a separate blog repository (or for this one, see publish)
    GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_REF_NAME, GITHUB_REF_TYPE, GITHUB_API_URL,
    GITHUB_SERVER_URL, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY   set by GitHub Actions
    CI                 set by CI services: plain progress lines, never a progress bar
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from paperpress.errors import ConfigError

FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteConfig(_Strict):
    flavor: Literal["hexo", "hugo"] = "hexo"
    posts_dir: Path = Path("posts")
    author: str = "paperpress"
    timezone: str = "UTC"
    categories: list[str] = ["Papers"]
    cover: str | None = None
    assets_dir: Path = Path("images/papers")  # local screenshots (screenshots: local)
    assets_url: str = "/images/papers"  # how the blog serves assets_dir: a site path or a CDN
    image_max_kb: int = Field(300, ge=10)
    images_per_run: int = Field(60, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai"
            ) from None
        return value


class Price(_Strict):
    """What the provider charges, in US dollars per million tokens."""

    prompt_per_million: float = Field(ge=0)
    completion_per_million: float = Field(ge=0)


class LLMConfig(_Strict):
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    language: Literal["zh", "en"] = "zh"
    temperature: float = Field(0.2, ge=0, le=2)
    concurrency: int = Field(8, ge=1, le=64)
    timeout: float = Field(120, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    max_output_tokens: int = Field(1500, ge=200)
    budget_tokens: int | None = Field(None, gt=0)
    price: Price | None = None  # shows the run's cost; needed for budget_usd
    budget_usd: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _cost_needs_a_price(self) -> LLMConfig:
        if self.budget_usd is not None and self.price is None:
            raise ValueError(
                "budget_usd needs llm.price (prompt_per_million, completion_per_million)"
            )
        return self


def _slug(cls: type, value: str) -> str:
    if not FEED_NAME.match(value):
        raise ValueError("use lowercase letters, digits and '-', such as hf-daily")
    return value


def _http_url(cls: type, value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError("must be an http(s) URL such as https://huggingface.co")
    return value.rstrip("/")


class HFDailyFeed(_Strict):
    kind: Literal["hf_daily"]
    name: str
    max_papers: int = Field(50, ge=1, le=500)
    min_upvotes: int = Field(0, ge=0)
    base_url: str = "https://huggingface.co"
    tags: list[str] = ["Hugging Face", "Daily Papers"]

    _name = field_validator("name")(_slug)
    _url = field_validator("base_url")(_http_url)


class ArxivTopicFeed(_Strict):
    """One post per topic per day (or one rolling post), from arXiv."""

    kind: Literal["arxiv_topic"]
    name: str
    title: str = Field(min_length=1, description="shown in the post title, e.g. Diffusion Models")
    keywords: list[str] = Field(min_length=1)
    categories: list[str] = []
    source: Literal["listing", "api"] = "listing"
    include_cross: bool = True
    max_papers: int = Field(30, ge=1, le=500)
    rolling: bool = False
    rolling_max_papers: int = Field(200, ge=1)
    no_announcement: Literal["skip", "latest"] = "skip"
    fulltext: bool = True
    fulltext_budget_tokens: int = Field(6000, ge=500)
    max_pdf_mb: float = Field(30, gt=0)
    screenshots: Literal["links", "local", "none"] = "links"
    max_screenshots: int = Field(4, ge=0, le=20)
    tags: list[str] = []
    cover: str | None = None
    api_url: str = "https://export.arxiv.org/api/query"
    listing_url: str = "https://rss.arxiv.org"
    html_url: str = "https://arxiv.org"
    pdf_url: str = "https://arxiv.org"

    _name = field_validator("name")(_slug)
    _urls = field_validator("api_url", "listing_url", "html_url", "pdf_url")(_http_url)

    @field_validator("categories")
    @classmethod
    def _category_names(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(r"^[a-z-]+(\.[A-Za-z-]+)?$", value):
                raise ValueError(f"{value!r} is not an arXiv category such as cs.CV or hep-th")
        return values


REPO_NAME = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")


class PublishConfig(_Strict):
    """Where ``--commit api`` puts the posts and images; data/ always stays in this repo.

    Empty values fall back to the environment (PUBLISH_REPO, PUBLISH_BRANCH), then to the
    repository and branch the workflow runs on."""

    repo: str = ""  # owner/name of a separate blog repository; empty = this repository
    branch: str = ""  # empty = the workflow's branch (this repo) or the default branch
    folder: str = ""  # where posts_dir and assets_dir go inside that repository

    @field_validator("repo")
    @classmethod
    def _repo_name(cls, value: str) -> str:
        if value and not REPO_NAME.match(value):
            raise ValueError(f"{value!r} is not a repository name such as octocat/blog")
        return value

    @field_validator("folder")
    @classmethod
    def _relative_folder(cls, value: str) -> str:
        parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
        if value.startswith("/") or ".." in parts:
            raise ValueError("must be a folder inside the repository, such as blog/ (or empty)")
        return "/".join(parts)


FEED_KINDS = {"hf_daily": HFDailyFeed, "arxiv_topic": ArxivTopicFeed}
Feed = Annotated[HFDailyFeed | ArxivTopicFeed, Field(discriminator="kind")]


class Config(_Strict):
    site: SiteConfig = SiteConfig()
    data_dir: Path = Path("data")
    templates_dir: Path = Path("templates")
    cache_dir: Path = Path(".cache")  # downloaded PDFs; never committed
    llm: LLMConfig = LLMConfig()
    publish: PublishConfig = PublishConfig()
    feeds: list[Feed] = Field(min_length=1)

    @field_validator("feeds")
    @classmethod
    def _unique_names(cls, feeds: list[Feed]) -> list[Feed]:
        names = [feed.name for feed in feeds]
        doubled = sorted({name for name in names if names.count(name) > 1})
        if doubled:
            raise ValueError(f"feed names must be unique; repeated: {', '.join(doubled)}")
        return feeds

    def feed(self, name: str) -> Feed:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(feed.name for feed in self.feeds)
        raise ConfigError(f"unknown feed {name!r}; this config has: {known}")


@dataclass(frozen=True)
class LLMSettings:
    """What the summarizer needs, after the environment has had its say."""

    model: str
    base_url: str | None
    api_key: str | None
    language: str
    temperature: float
    concurrency: int
    timeout: float
    max_retries: int
    max_output_tokens: int
    budget_tokens: int | None
    api_key_env: str = "OPENAI_API_KEY"  # named in messages about the key

    @property
    def enabled(self) -> bool:
        """An LLM is used when a key is set or a base URL names a (local) server."""
        return bool(self.api_key or self.base_url)


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


@dataclass(frozen=True)
class GitHubSettings:
    """Where ``--commit api`` commits and with which tokens: what GitHub Actions sets, and
    the variables and secrets of the README (PUBLISH_REPO, PUBLISH_BRANCH, PUBLISH_TOKEN)."""

    repository: str = ""  # GITHUB_REPOSITORY: the repository the workflow runs in
    branch: str = ""  # GITHUB_REF_NAME, when the workflow runs on a branch
    publish_repo: str = ""  # PUBLISH_REPO, else publish.repo: a separate blog repository
    publish_branch: str = ""  # PUBLISH_BRANCH, else publish.branch
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    tokens: Mapping[str, str] = field(default_factory=dict)  # GITHUB_TOKEN, PUBLISH_TOKEN

    def token(self, name: str) -> str:
        return self.tokens.get(name, "")


@dataclass(frozen=True)
class Environment:
    """Everything a run takes from the environment, as values."""

    llm: LLMSettings
    github: GitHubSettings
    in_actions: bool = False  # GITHUB_ACTIONS=true: workflow commands, the bot's identity
    ci: bool = False  # CI is set: plain progress lines, even on a terminal
    step_summary: Path | None = None  # GITHUB_STEP_SUMMARY: the job summary file


def read_environment(config: Config, environ: Mapping[str, str]) -> Environment:
    summary = _env(environ, "GITHUB_STEP_SUMMARY")
    return Environment(
        llm=llm_settings(config.llm, environ),
        github=github_settings(config.publish, environ),
        in_actions=_env(environ, "GITHUB_ACTIONS") == "true",
        ci=bool(_env(environ, "CI")),
        step_summary=Path(summary) if summary else None,
    )


def github_settings(publish: PublishConfig, environ: Mapping[str, str]) -> GitHubSettings:
    on_branch = _env(environ, "GITHUB_REF_TYPE") in ("", "branch")
    tokens = {name: _env(environ, name) for name in ("GITHUB_TOKEN", "PUBLISH_TOKEN")}
    return GitHubSettings(
        repository=_env(environ, "GITHUB_REPOSITORY"),
        branch=_env(environ, "GITHUB_REF_NAME") if on_branch else "",
        publish_repo=_env(environ, "PUBLISH_REPO") or publish.repo,
        publish_branch=_env(environ, "PUBLISH_BRANCH") or publish.branch,
        api_url=_env(environ, "GITHUB_API_URL") or "https://api.github.com",
        server_url=_env(environ, "GITHUB_SERVER_URL") or "https://github.com",
        tokens={name: value for name, value in tokens.items() if value},
    )


def _env(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def llm_settings(config: LLMConfig, environ: Mapping[str, str]) -> LLMSettings:
    def env(name: str) -> str | None:
        return _env(environ, name) or None

    return LLMSettings(
        model=env("PAPERPRESS_MODEL") or config.model,
        base_url=env("OPENAI_BASE_URL") or config.base_url,
        api_key=env(config.api_key_env),
        language=config.language,
        temperature=config.temperature,
        concurrency=config.concurrency,
        timeout=config.timeout,
        max_retries=config.max_retries,
        max_output_tokens=config.max_output_tokens,
        budget_tokens=config.budget_tokens,
        api_key_env=config.api_key_env,
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

"""The config file's models: every key, its default and what is allowed (pydantic: an
unknown key or a bad value is an error that names it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    lead: bool = False  # one more LLM call per post: a three-sentence overview on top
    faithfulness: bool = True  # no figure or name the paper lacks (off: YAML's off is false)
    max_papers: int = Field(50, ge=1, le=2000)  # Hugging Face pages up to 2,000 (20 x 100)
    min_upvotes: int = Field(0, ge=0)
    base_url: str = "https://huggingface.co"
    tags: list[str] = ["Hugging Face", "Daily Papers"]

    _name = field_validator("name")(_slug)
    _url = field_validator("base_url")(_http_url)


class ArxivTopicFeed(_Strict):
    """One post per topic per day (or one rolling post), from arXiv."""

    kind: Literal["arxiv_topic"]
    name: str
    lead: bool = False
    faithfulness: bool = True
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


class RoundupFeed(_Strict):
    """The best papers of a week or a month, from what other feeds stored: no LLM call (but
    the optional lead) and no request. Runs after the feeds it reads."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["roundup"]
    name: str
    lead: bool = False
    faithfulness: bool = True
    period: Literal["week", "month"] = "week"  # the ISO week (Monday to Sunday), or the month
    sources: list[str] = Field(alias="from", min_length=1)  # the feeds it rounds up
    top: int = Field(10, ge=1, le=100)
    themes: int = Field(12, ge=0, le=50)  # how many of the period's keywords to list
    tags: list[str] = []
    categories: list[str] = ["Roundups"]  # apart from site.categories: themes list them apart
    cover: str | None = None

    _name = field_validator("name")(_slug)


FEED_KINDS = {"hf_daily": HFDailyFeed, "arxiv_topic": ArxivTopicFeed, "roundup": RoundupFeed}
Feed = Annotated[HFDailyFeed | ArxivTopicFeed | RoundupFeed, Field(discriminator="kind")]


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
        daily = [feed.name for feed in feeds if not isinstance(feed, RoundupFeed)]
        for feed in feeds:
            if isinstance(feed, RoundupFeed):
                unknown = [name for name in feed.sources if name not in daily]
                if unknown:
                    raise ValueError(
                        f"roundup {feed.name!r}: 'from' names no daily feed of this config: "
                        f"{', '.join(unknown)}"
                    )
        return feeds

    def feed(self, name: str) -> Feed:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(feed.name for feed in self.feeds)
        raise ConfigError(f"unknown feed {name!r}; this config has: {known}")

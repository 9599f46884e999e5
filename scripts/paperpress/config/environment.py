"""Everything a run takes from the environment, read here and nowhere else: the other
modules take these values (see the list in ``paperpress.config``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx2

from paperpress.config.models import Config, LLMConfig, PublishConfig
from paperpress.errors import ConfigError


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

    @property
    def secrets(self) -> list[str]:
        """Every secret the run holds, to keep out of logs and files (text.redact)."""
        return [value for value in (self.llm.api_key, *self.github.tokens.values()) if value]


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
        api_url=_url(environ, "GITHUB_API_URL") or "https://api.github.com",
        server_url=_url(environ, "GITHUB_SERVER_URL") or "https://github.com",
        tokens={name: value for name, value in tokens.items() if value},
    )


def _env(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


_HTTP_URL = re.compile(r"^https?://[^/\s?#]+(?:[/?#]\S*)?$", re.I)


def _parses(url: str) -> bool:
    """Whether ``url`` has a host, a port that is a number, and a host httpx2 (the one HTTP
    stack) can send to: "http://\u200bapi.example.com" passes urlsplit, but its zero-width
    space is no valid IDNA, and every request would fail with the same error."""
    try:
        parts = urlsplit(url)
        httpx2.URL(url)
        return bool(parts.hostname) and (parts.port or 0) >= 0
    except (ValueError, httpx2.InvalidURL):  # "http://[::1" (unclosed), a port out of range
        return False


_EXAMPLES = {"OPENAI_BASE_URL": "https://api.deepseek.com", "GITHUB_API_URL":
             "https://api.github.com", "GITHUB_SERVER_URL": "https://github.com"}  # fmt: skip


def _url(environ: Mapping[str, str], name: str, fallback: str | None = None) -> str | None:
    """The URL variable ``name`` (else ``fallback``), or a ConfigError naming it."""
    value = _env(environ, name) or fallback
    if value and not (_HTTP_URL.match(value) and _parses(value)):
        raise ConfigError(
            f"{name} {value!r} is not an http(s) URL; set it to one such as "
            f"{_EXAMPLES.get(name, 'https://example.com')}, or unset it"
        )
    return value or None


def llm_settings(config: LLMConfig, environ: Mapping[str, str]) -> LLMSettings:
    def env(name: str) -> str | None:
        return _env(environ, name) or None

    return LLMSettings(
        model=env("PAPERPRESS_MODEL") or config.model,
        base_url=_url(environ, "OPENAI_BASE_URL", config.base_url),
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

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

from paperpress.config.environment import (
    Environment,
    GitHubSettings,
    LLMSettings,
    github_settings,
    llm_settings,
    read_environment,
)
from paperpress.config.loading import describe, load_config
from paperpress.config.models import (
    FEED_KINDS,
    ArxivTopicFeed,
    Config,
    Feed,
    HFDailyFeed,
    LLMConfig,
    Price,
    PublishConfig,
    RoundupFeed,
    SiteConfig,
)

__all__ = [
    "FEED_KINDS", "ArxivTopicFeed", "Config", "Environment", "Feed", "GitHubSettings",
    "HFDailyFeed", "LLMConfig", "LLMSettings", "Price", "PublishConfig", "RoundupFeed",
    "SiteConfig", "describe", "github_settings", "llm_settings", "load_config",
    "read_environment",
]  # fmt: skip

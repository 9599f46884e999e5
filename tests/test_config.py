from pathlib import Path

import pytest

from paperpress.config import llm_settings, load_config
from paperpress.errors import ConfigError

MINIMAL = "feeds:\n  - {name: hf-daily, kind: hf_daily}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sub" / "config.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_the_shipped_configs_load():
    root = Path(__file__).resolve().parent.parent
    for name in ("config.yaml", "demo/config.yaml", "demo/config-hugo.yaml"):
        config = load_config(root / name)
        assert config.feeds[0].kind == "hf_daily"


def test_defaults_and_relative_paths_resolve_against_the_config_folder(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.site.flavor == "hexo" and config.llm.language == "zh"
    assert config.llm.concurrency == 8
    assert config.data_dir == tmp_path / "sub" / "data"
    assert config.site.posts_dir == tmp_path / "sub" / "posts"
    assert config.feeds[0].base_url == "https://huggingface.co"
    assert config.feeds[0].max_papers == 50


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("site: {flavor: jekyll}\n" + MINIMAL, "site.flavor: Input should be 'hexo' or 'hugo'"),
        ("site: {colour: red}\n" + MINIMAL, "site.colour: unknown key; allowed: flavor, posts_dir"),
        ("feeds:\n  - {name: x, kind: rss}\n", "feeds[0]: unknown kind 'rss'; allowed: hf_daily"),
        ("feeds:\n  - {name: x}\n", "feeds[0]: missing 'kind'"),
        ("feeds:\n  - {name: x, kind: hf_daily, max: 3}\n", "feeds[0].max: unknown key"),
        ("feeds:\n  - {name: Bad Name, kind: hf_daily}\n", "feeds[0].name: use lowercase"),
        ("feeds:\n  - {name: a, kind: hf_daily, base_url: ftp://x}\n", "base_url: must be an http"),
        ("feeds:\n  - {name: a, kind: hf_daily}\n  - {name: a, kind: hf_daily}\n", "repeated: a"),
        ("feeds: []\n", "feeds: List should have at least 1 item"),
        ("llm: {language: fr}\n" + MINIMAL, "llm.language: Input should be 'zh' or 'en'"),
        ("llm: {concurrency: 0}\n" + MINIMAL, "llm.concurrency: Input should be greater"),
        ("site: {timezone: Mars/Olympus}\n" + MINIMAL, "unknown time zone 'Mars/Olympus'"),
        ("llm: {budget_usd: 1}\n" + MINIMAL, "llm: budget_usd needs llm.price"),
        ("llm: {price: {prompt_per_million: 1}}\n" + MINIMAL, "completion_per_million: Field"),
        ("- just a list\n", "expected a mapping"),
        ("feeds: [unclosed\n", "is not valid YAML"),
    ],
)
def test_bad_configs_name_the_key_and_what_is_allowed(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="no such config file; pass --config PATH"):
        load_config(tmp_path / "nope.yaml")


def test_environment_overrides_model_and_base_url_and_holds_the_key(tmp_path):
    config = load_config(write(tmp_path, "llm: {model: m1, api_key_env: DEEPSEEK_KEY}\n" + MINIMAL))
    plain = llm_settings(config.llm, {})
    assert (plain.model, plain.api_key, plain.enabled) == ("m1", None, False)
    env = {
        "PAPERPRESS_MODEL": "deepseek-chat",
        "DEEPSEEK_KEY": "k",
        "OPENAI_BASE_URL": "http://x/v1",
    }
    settings = llm_settings(config.llm, env)
    assert (settings.model, settings.api_key, settings.base_url) == (
        "deepseek-chat",
        "k",
        "http://x/v1",
    )
    assert settings.enabled
    local = llm_settings(config.llm, {"OPENAI_BASE_URL": "http://localhost:11434/v1"})
    assert local.enabled and local.api_key is None  # Ollama needs no key


def test_a_price_and_a_cost_budget(tmp_path):
    text = "llm:\n  price: {prompt_per_million: 0.15, completion_per_million: 0.6}\n"
    config = load_config(write(tmp_path, text + "  budget_usd: 0.5\n" + MINIMAL))
    assert config.llm.price is not None and config.llm.price.completion_per_million == 0.6
    assert config.llm.budget_usd == 0.5

"""paperpress: the day's papers, summarized by an LLM, as Hexo or Hugo blog posts."""

__version__ = "0.1.0"
USER_AGENT = f"paperpress/{__version__} (+https://github.com/paperpress/paperpress)"
COMMIT_MODES = ("none", "git", "api")  # what --commit takes (see paperpress.publish)

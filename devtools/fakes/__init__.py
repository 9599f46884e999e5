"""Local stand-ins on 127.0.0.1 for Hugging Face, arXiv, an OpenAI-compatible API and
GitHub's REST API (see ``devtools/__init__.py``)."""

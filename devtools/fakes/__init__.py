"""Local stand-ins on 127.0.0.1 for Hugging Face, arXiv, an OpenAI-compatible API and
GitHub's REST API (see ``devtools/__init__.py``); ``hostile.py`` holds what a broken or
malicious server sends instead (a slow loris, a gzip bomb ...) and data shaped like an
attacker's."""

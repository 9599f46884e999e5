"""Tools for developing paperpress: none of it ships with the package, all of it runs from
the repository root (``python -m devtools.<module>``) and is what the tests stand on.

    fakes/          local stand-ins on 127.0.0.1 for the services paperpress talks to:
      loopback.py       what they share: a quiet handler, a threaded server on a free port
      hf_server.py      Hugging Face's daily papers API, fed with recorded responses
      arxiv_server.py   arXiv: the export API, the listing feeds, HTML versions and PDFs
      openai_server.py  an OpenAI-compatible chat completions server, scripted per test
                        (latency, 429, 500, hangs, broken and off-schema JSON, usage)
      github_server.py  the Git Data API part of GitHub's REST API, on a real bare repository
    pdfmaker.py     small, real PDFs (text lines and "figures") without a library
    recordings.py   the demo's offline recordings and their PDFs (`make demo`):
                    python -m devtools.recordings OUT_DIR
    site.py         the example blogs built by the real Hugo and Hexo, checked post by post
                    (`make site`): python -m devtools.site --posts DIR --out DIR
    pages.py        a built page read as a reader sees it: title, body, meta tags, code
                    that would run, and the math MathJax would typeset
    browser.py      headless Chromium over the DevTools protocol, and a local web server
    bench.py        speed and memory of the real CLI, then the fault drill (`make bench`):
                    python -m devtools.bench --latency 2
    harness.py      what the bench stands on: its 50-paper day, its configs, the LLM's
                    answers, the CLI run as a measured subprocess, the files it leaves
    drill.py        the fault drill: failing calls, a budget that runs out, SIGKILLs

The demo's data (its configs and recorded responses) lives in ``demo/``.
"""

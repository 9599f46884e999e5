"""Posts from papers and summaries: Jinja2 for the body, python-frontmatter for the header.

    render.environment   the Jinja2 environment (package templates, a blog's overrides)
    render.labels        every word a post uses, one table per language
    render.post          what every post shares: front matter, the file, authors, folds
    render.digest        the Hugging Face daily digest
    render.topic         the arXiv topic post
    render.roundup       a week's or a month's best papers

Pure: nothing here touches the disk but the template loader. Values reach the templates
already escaped (``escape``), so a template cannot forget to.
"""

from paperpress.render.digest import Entry, digest_name, render_digest
from paperpress.render.environment import (
    DEFAULTS,
    make_environment,
    render_template,
    template_error,
)
from paperpress.render.post import MAX_AUTHORS, author_list, front_matter, make_post
from paperpress.render.topic import TopicEntry, render_topic, topic_name

__all__ = [
    "DEFAULTS", "MAX_AUTHORS", "Entry", "TopicEntry", "author_list", "digest_name", "front_matter",
    "make_environment", "make_post", "render_digest", "render_template", "render_topic",
    "template_error", "topic_name",
]  # fmt: skip

"""The Jinja2 environment for posts and prompts, and template errors as one line.

The package ships every template (``paperpress/templates``: ``digest.md.j2``,
``topic.md.j2``, ``prompts/*.j2``). A blog's own ``templates_dir`` overrides them file by
file: copy one there and edit it; delete it to fall back to the default.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2

from paperpress.errors import ConfigError

DEFAULTS = Path(__file__).resolve().parent.parent / "templates"


def make_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """``templates_dir`` first (it need not exist), then the package's defaults."""
    folders = [templates_dir, DEFAULTS] if templates_dir else [DEFAULTS]
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in folders]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML: values are escaped by ``escape`` beforehand
    )


def template_error(exc: Exception, env: jinja2.Environment | None = None) -> ConfigError:
    """A Jinja2 error (or an error raised while a template ran) as ``file:line: problem``."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = _display(exc.filename or exc.name or "a template")
        return ConfigError(f"{where}:{exc.lineno}: template syntax error: {exc.message}")
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.endswith(".j2") or "/templates/" in frame.filename
    ]
    message = str(exc) or exc.__class__.__name__
    if isinstance(exc, jinja2.TemplateNotFound):  # where: the include or extends asking for it
        message = f"template {exc.name!r} not found in {_search_path(env)}"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"undefined: {message}"
    if not frames:
        prefix = "" if isinstance(exc, jinja2.TemplateNotFound) else "template error: "
        return ConfigError(f"{prefix}{message}")
    frame = frames[-1]
    return ConfigError(f"{_display(frame.filename)}:{frame.lineno}: {message}")


def _search_path(env: jinja2.Environment | None) -> str:
    loader = env.loader if env else None
    loaders = loader.loaders if isinstance(loader, jinja2.ChoiceLoader) else [loader]
    folders = [
        _display(path)
        for item in loaders
        if isinstance(item, jinja2.FileSystemLoader)
        for path in item.searchpath
    ]
    return " or ".join(folders) or "the template folders"


def _display(path: str | Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    """``name`` rendered with ``context``; any failure inside a template is a ConfigError
    naming the template file and line, never a traceback."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise template_error(exc, env) from None
    except Exception as exc:  # a filter or method call gone wrong inside the template
        if not any(f.filename.endswith(".j2") for f in traceback.extract_tb(exc.__traceback__)):
            raise
        raise template_error(exc, env) from None

"""The error tree. Only ``cli`` turns these into messages and exit codes.

PaperpressError
 ├── ConfigError     bad config file, option or date (exit 2)
 ├── SourceError     a paper source could not be read (exit 1)
 ├── SummaryError    an LLM reply could not be turned into a summary
 └── PublishError    posts or data could not be written or committed (exit 1)
"""


class PaperpressError(Exception):
    """Base of every error paperpress raises on purpose."""


class ConfigError(PaperpressError):
    """The config, a command-line option or the environment is wrong; the user must fix it."""


class SourceError(PaperpressError):
    """A source (Hugging Face, arXiv) failed or answered with something unusable."""


class SummaryError(PaperpressError):
    """An LLM call failed for good, or its reply did not fit the schema."""


class PublishError(PaperpressError):
    """Writing or committing the output failed."""

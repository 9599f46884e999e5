"""The error tree. Only ``cli`` turns these into messages and exit codes.

PaperpressError
 ├── ConfigError     bad config file, option or date (exit 2)
 ├── SourceError     a paper source could not be read (exit 1)
 ├── SummaryError    an LLM reply could not be turned into a summary (the paper is pending)
 │    ├── UnfaithfulSummaryError  ... removing its unsupported claims left a required field
 │    │                           empty (carries the guard's record for the data file)
 │    └── SpentSummaryError   ... after the API had billed some of its calls
 ├── LLMUnavailableError  every call would fail alike (a refused key, an unknown model, an
 │                        unreachable server): the run stops calling the LLM (exit 1)
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


class UnfaithfulSummaryError(SummaryError):
    """Removing a reply's unsupported claims left a required field empty."""

    def __init__(self, message: str, checks: dict) -> None:
        super().__init__(message)
        self.checks = checks  # guard.record: what was found, for the pending record


class SpentSummaryError(SummaryError):
    """A summary that failed after the API had already billed some of its calls."""

    def __init__(self, message: str, usage: object, checks: dict | None = None) -> None:
        super().__init__(message)
        self.usage = usage  # a usage.Usage; typed loosely to keep this module import-free
        self.checks = checks  # the faithfulness guard's record, when it made the failure


class LLMUnavailableError(PaperpressError):
    """The LLM provider refuses every call alike; the message names the secret or variable
    to fix. No retry or next run can heal it, so the run stops calling and fails."""

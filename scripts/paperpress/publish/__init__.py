"""Commit what a run wrote: ``none`` (files only), ``git`` (commit and push the checkout:
``publish.git``) or ``api`` (one atomic commit through GitHub's Git Data API, with PyGithub:
``publish.github``). ``publish.plan`` decides what goes where; both paths take its Targets.
"""

from paperpress.publish.git import commit_via_git
from paperpress.publish.github import check_destinations, commit_all, commit_via_api, connect
from paperpress.publish.plan import (
    ATTEMPTS,
    MODES,
    Destination,
    Merge,
    Published,
    Target,
    blob_sha,
    changed_files,
    checkout_blobs,
    collect,
    commit_message,
    destinations,
    is_text,
    moved_by_others,
    plan_targets,
)

__all__ = [
    "ATTEMPTS", "MODES", "Destination", "Merge", "Published", "Target", "blob_sha",
    "changed_files", "check_destinations", "checkout_blobs", "collect", "commit_all",
    "commit_message", "commit_via_api", "commit_via_git", "connect", "destinations",
    "is_text", "moved_by_others", "plan_targets",
]  # fmt: skip

"""Fail the full run when one of our URL patterns was never requested by a test.

Every resolved pattern is recorded; under pytest-xdist each worker hands its
set to the controller, which checks the union once all workers are done.
"""

from __future__ import annotations

from typing import Any

import pytest

OUR_PREFIX = "tierslien."


def _pattern_id(pattern: Any, prefix: str) -> str:
    return f"{prefix}{pattern.pattern}"


class UrlCoverage:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def install(self) -> None:
        from django.urls.resolvers import URLPattern

        original = URLPattern.resolve
        seen = self.seen

        def resolve(pattern: URLPattern, path: str) -> Any:
            match = original(pattern, path)
            if match is not None:
                seen.add(match._func_path + ":" + (match.url_name or ""))
            return match

        URLPattern.resolve = resolve  # type: ignore[method-assign]

    def merge_from_worker(self, node: Any) -> None:
        self.seen.update(getattr(node, "workeroutput", {}).get("urls_seen", []))

    def finish(self, session: pytest.Session, *, enforce: bool) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: report to the controller
            workeroutput["urls_seen"] = sorted(self.seen)
            return
        if not enforce or session.testsfailed:
            return
        missing = sorted(all_patterns() - self.seen)
        if missing:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            message = "URL patterns never requested by any test:\n  " + "\n  ".join(missing)
            if reporter is not None:
                reporter.write_line(message, red=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def all_patterns() -> set[str]:
    from django.urls import get_resolver
    from django.urls.resolvers import URLPattern, URLResolver

    found: set[str] = set()

    def walk(patterns: list[Any]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                callback = entry.lookup_str
                if callback.startswith(OUR_PREFIX):
                    found.add(callback + ":" + (entry.name or ""))

    walk(get_resolver().url_patterns)
    return found

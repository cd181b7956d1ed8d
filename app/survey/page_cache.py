"""Rendered step pages, kept per process until their diagnostic changes.

A step page depends only on the diagnostic's stored answers (its ``updated_at`` moves with
every save), the step, the language, the site's address (scheme, host and root path: the private
link shown is absolute) and the query string, plus two values that change with every request:
the CSRF token and the CSP nonce. The page is kept with those two replaced by markers and they
are put back fresh on every hit, so a repeated visit costs a lookup instead of building and
rendering the form. Pages with errors or flashed messages are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, request, session
from flask_wtf.csrf import generate_csrf

from app.security import csp_nonce

CSRF_MARK = "\x00csrf-token\x00"
NONCE_MARK = "\x00csp-nonce\x00"
MAX_PAGES = 512


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        """Return the page kept under key, if any, marking it recently used."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        """Keep a page under key, dropping the least recently used beyond the size."""
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


def _cache() -> PageCache:
    """Return the application's cache of step pages."""
    cache: PageCache = current_app.extensions.setdefault("survey_step_pages", PageCache())
    return cache


def step_page(
    stamp: tuple[Hashable, ...], section_id: str, lang: str, render: Callable[[], str]
) -> str:
    """Return the step page, rendered by render() unless an identical one is kept.

    stamp is the diagnostic's id and last change (services.diagnostic_stamp).
    """
    cacheable = not session.get("_flashes")
    key = (
        *stamp,
        section_id,
        lang,
        request.scheme,
        request.host,
        request.root_path,
        request.query_string,
    )
    kept = _cache().get(key) if cacheable else None
    if kept is not None:
        return kept.replace(CSRF_MARK, generate_csrf()).replace(NONCE_MARK, csp_nonce())
    html = render()
    if cacheable:
        template = html.replace(generate_csrf(), CSRF_MARK).replace(csp_nonce(), NONCE_MARK)
        _cache().put(key, template)
    return html

"""Following links to alerts: the only fetching besides the poller's own URL.

A CAP feed (Atom or RSS) often lists its alerts by link rather than holding them. A
link is followed only where the operator asked for it: an import of a file reads the
files it names beside it (never outside that folder), and web links only with
``--fetch-links``; a polled feed's links are fetched with it, over http(s) only, so a
feed from the web can never make georisk read a local file.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from georisk.errors import GeoriskError, ValidationError
from georisk.feeds.base import MAX_PAYLOAD_BYTES, read_payload

Progress = Callable[[int, int], None]  # (done, total)


def http_get(url: str, timeout: float, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """The body at an http(s) URL, refused when it is over ``limit`` bytes."""
    if not url.startswith(("http://", "https://")):
        raise GeoriskError(f"{url!r}: only http and https URLs are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "georisk-feeds"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read(limit + 1)
    if len(body) > limit:
        raise GeoriskError(f"answer is over the {limit}-byte limit")
    return body


class Links:
    """Where a feed's links lead: a folder (a file import) or a URL (a poll)."""

    def __init__(self, base: str | Path, *, web: bool = False, timeout: float = 30.0,
                 limit: int = MAX_PAYLOAD_BYTES, progress: Progress | None = None):
        self.base = base if isinstance(base, str) and _is_web(base) else Path(base).resolve()
        self.web = web or isinstance(self.base, str)
        self.timeout = timeout
        self.limit = limit
        self.progress = progress

    def fetch(self, href: str) -> bytes:
        """The document ``href`` names; a ValidationError naming it when it cannot be had."""
        try:
            if isinstance(self.base, str):
                return self._web(urllib.parse.urljoin(self.base, href), href)
            if _is_web(href):
                if not self.web:
                    raise ValidationError.one("link", f"{href}: a web link; georisk import "
                                              "follows those only with --fetch-links")
                return self._web(href, href)
            return self._file(href)
        except ValidationError:
            raise
        except (GeoriskError, urllib.error.URLError, OSError, TimeoutError) as exc:
            raise ValidationError.one("link", f"{href}: {exc}") from None

    def fetch_all(self, hrefs: Iterable[str]) -> list[bytes | ValidationError]:
        """Each document in order, or the error that kept it; progress after each."""
        wanted = list(hrefs)
        out: list[bytes | ValidationError] = []
        for done, href in enumerate(wanted, 1):
            try:
                out.append(self.fetch(href))
            except ValidationError as exc:
                out.append(exc)
            if self.progress is not None:
                self.progress(done, len(wanted))
        return out

    def _web(self, url: str, href: str) -> bytes:
        if not _is_web(url):
            raise ValidationError.one("link", f"{href}: a feed from the web may link only to "
                                      "http or https")
        return http_get(url, self.timeout, self.limit)

    def _file(self, href: str) -> bytes:
        assert isinstance(self.base, Path)
        parsed = urllib.parse.urlparse(href)
        if parsed.scheme not in ("", "file"):
            raise ValidationError.one("link", f"{href}: not a file or web link")
        local = urllib.parse.unquote(parsed.path)
        path = (self.base / local).resolve()
        if not path.is_relative_to(self.base):
            raise ValidationError.one("link", f"{href}: outside the feed's folder {self.base}")
        return read_payload(path, self.limit)


def _is_web(text: str) -> bool:
    return text.startswith(("http://", "https://"))

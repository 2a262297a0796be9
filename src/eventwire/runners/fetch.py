"""HTTP fetching for ``eventwire watch``: polite, bounded, and explicit about failures.

* **robots.txt** is read once per host and poll (``urllib.robotparser``) and obeyed for
  every URL and every redirect hop; a 4xx robots.txt allows all (the convention), 401/403
  refuses all, and one that cannot be fetched (5xx, timeout) refuses the host's pages for
  this poll, to be tried again on the next;
* **one request per host** every ``watch_host_interval_s`` seconds (or the robots.txt
  ``Crawl-delay`` when longer);
* **timeouts** (``watch_timeout_s`` for connecting and for each read, three of them for a
  whole body) and a **size cap**
  (``max_article_bytes``: the body is streamed and dropped past it);
* **redirects** are followed by hand, at most ``MAX_REDIRECTS`` hops, and a loop is named;
* **conditional GET**: a feed is asked with ``If-None-Match`` / ``If-Modified-Since``
  from its last poll, and 304 means unchanged.

Every failure comes back as a ``Fetched`` with ``error`` set (never an exception), so one
bad page never stops a poll.
"""
from __future__ import annotations

import logging
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from ..settings import Settings

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
TOTAL_TIMEOUTS = 3  # a whole body may take this many read timeouts, however it trickles
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Fetched:
    """A response (``status`` 200 with ``body``, or 304) or a failure (``error``)."""

    url: str                                 # the final URL, after redirects
    status: int | None = None
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304


@dataclass
class _Host:
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_error: str | None = None
    last_request: float = 0.0
    delay: float = 0.0


@dataclass
class Fetcher:
    """An HTTP client for one poll: robots.txt and the per-host clock are kept per host."""

    settings: Settings
    client: httpx.Client | None = None
    hosts: dict[str, _Host] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.client is None:
            t = self.settings.watch_timeout_s
            self.client = httpx.Client(
                timeout=httpx.Timeout(t, connect=t), follow_redirects=False,
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"})

    @property
    def user_agent(self) -> str:
        return self.settings.watch_user_agent or f"eventwire/{__version__}"

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None
            ) -> Fetched:
        """GET ``url`` (conditionally when validators are given), following redirects."""
        seen = [url]
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            refused = self._robots_refuse(url)
            if refused:
                return Fetched(url, error=refused)
            got = self._get_once(url, headers)
            if isinstance(got, Fetched):
                return got
            nxt = urljoin(url, got)
            if nxt in seen:
                chain = " → ".join(seen + [nxt])
                return Fetched(url, error=f"redirect loop: {chain}")
            seen.append(nxt)
            url = nxt
        return Fetched(url, error=f"too many redirects (over {MAX_REDIRECTS}) from {seen[0]}")

    def _get_once(self, url: str, headers: dict[str, str]) -> Fetched | str:
        """The response, or the Location of a redirect."""
        if urlsplit(url).scheme not in ("http", "https"):
            return Fetched(url, error=f"not an http(s) URL: {url}")
        self._wait_turn(url)
        limit = self.settings.max_article_bytes
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in _REDIRECTS:
                    location = r.headers.get("location")
                    if not location:
                        return Fetched(url, status=r.status_code,
                                       error=f"HTTP {r.status_code} redirect without a Location")
                    return location
                if r.status_code == 304:
                    return Fetched(url, status=304, etag=r.headers.get("etag"),
                                   last_modified=r.headers.get("last-modified"))
                if r.status_code != 200:
                    return Fetched(url, status=r.status_code,
                                   error=f"HTTP {r.status_code} {r.reason_phrase}".strip())
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    return Fetched(url, status=200, error=_too_large(int(declared), limit))
                body = bytearray()
                deadline = time.monotonic() + TOTAL_TIMEOUTS * self.settings.watch_timeout_s
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        return Fetched(url, status=200, error=_too_large(len(body), limit))
                    if time.monotonic() > deadline:  # a server that drips bytes forever
                        return Fetched(url, status=200, error=(
                            f"timed out: body still arriving after "
                            f"{TOTAL_TIMEOUTS * self.settings.watch_timeout_s:g} s"))
                ctype = r.headers.get("content-type", "")
                return Fetched(url, status=200, body=bytes(body),
                               content_type=ctype.split(";")[0].strip().lower(),
                               charset=r.charset_encoding, etag=r.headers.get("etag"),
                               last_modified=r.headers.get("last-modified"))
        except httpx.TimeoutException as e:
            kind = type(e).__name__.replace("Timeout", " timeout").strip().lower()
            return Fetched(url, error=f"timed out after {self.settings.watch_timeout_s:g} s "
                                      f"({kind})")
        except httpx.HTTPError as e:
            return Fetched(url, error=f"cannot fetch: {type(e).__name__}: {e}")

    def _wait_turn(self, url: str) -> None:
        host = self._host(url)
        gap = max(self.settings.watch_host_interval_s, host.delay)
        wait = host.last_request + gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        host.last_request = time.monotonic()

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self.hosts:
            self.hosts[key] = _Host()
        return self.hosts[key]

    def _robots_refuse(self, url: str) -> str | None:
        """Why robots.txt forbids ``url`` (or could not be read), else None."""
        host = self._host(url)
        if host.robots is None and host.robots_error is None:
            self._read_robots(url, host)
        if host.robots_error:
            return host.robots_error
        if not host.robots.can_fetch(self.user_agent, url):
            return f"disallowed by robots.txt for {self.user_agent.split('/')[0]}"
        return None

    def _read_robots(self, url: str, host: _Host) -> None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        self._wait_turn(robots_url)
        try:
            r = self.client.get(robots_url, follow_redirects=True)
        except httpx.HTTPError as e:
            host.robots_error = (f"robots.txt unreachable ({type(e).__name__}); the host is "
                                 "skipped this poll")
            return
        if r.status_code in (401, 403):
            parser.disallow_all = True
        elif r.status_code >= 500:
            host.robots_error = f"robots.txt answered HTTP {r.status_code}; the host is skipped this poll"
            return
        elif r.status_code >= 400:
            parser.allow_all = True
        else:
            parser.parse(r.text[:500_000].splitlines())
        delay = parser.crawl_delay(self.user_agent)
        host.delay = float(delay) if delay else 0.0
        host.robots = parser


def _too_large(size: int, limit: int) -> str:
    return (f"too large: {size} bytes > limit {limit} (raise EVENTWIRE_MAX_ARTICLE_BYTES)")

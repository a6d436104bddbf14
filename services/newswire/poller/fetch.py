"""Fetching over HTTP, politely and safely: the poller's only network code.

:class:`Fetcher` wraps one ``httpx.Client`` and adds what feeds and article
pages need, in this order for every request:

1. the URL must be http(s) (or a file of a local feed, see :meth:`Fetcher.get`);
2. SSRF check: the host's resolved addresses must be public unless the feed is
   configured ``local`` (loopback, private, link-local, reserved, multicast
   are refused); re-checked on every redirect hop;
3. per-host politeness: at most ``host_concurrency`` requests in flight to one
   host and at least ``host_delay`` seconds between request starts;
4. conditional headers (``If-None-Match``, ``If-Modified-Since``);
5. redirects followed by hand, at most ``max_redirects``;
6. the body streamed and cut off at ``max_body_bytes`` (decoded size, so a
   gzip bomb is cut too) and at ``timeout`` seconds in total;
7. statuses: 304 is a value (:attr:`Fetched.not_modified`); 429 and 503 raise
   :class:`FetchError` with ``retry_after`` from the header; other 4xx/5xx raise.

Every failure is a :class:`~newswire.core.errors.FetchError` whose message
names the URL and the reason. A DNS answer can change between our check and
httpx's own lookup (rebinding); closing that gap needs a custom transport and
is not done here.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx
from protego import Protego

from newswire.core.errors import FetchError

__all__ = [
    "HTML_TYPES",
    "FetchFailure",
    "Fetched",
    "Fetcher",
    "HostGate",
    "Resolver",
    "RobotsCache",
    "check_address",
    "parse_retry_after",
    "system_resolver",
]

HTML_TYPES = ("text/html", "application/xhtml+xml")
ROBOTS_TTL = 3600.0

Resolver = Callable[[str], list[str]]


class FetchFailure(FetchError):
    """A :class:`FetchError` that also says what kind of failure it was, for stats and tests.

    Kinds: ``scheme``, ``address``, ``resolve``, ``redirects``, ``http``,
    ``throttled`` (429/503), ``timeout``, ``too_large``, ``content_type``,
    ``network``, ``decode``, ``file``.
    """

    def __init__(self, kind: str, message: str, *, where: str | None = None, hint: str | None = None,
                 status: int | None = None, retry_after: float | None = None) -> None:
        self.kind = kind
        super().__init__(message, where=where, hint=hint, status=status, retry_after=retry_after)


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (one DNS lookup through the OS)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailure("resolve", f"cannot resolve host {host!r}: {exc.args[-1]}") from None
    return sorted({str(info[4][0]) for info in infos})


def check_address(url: str, resolver: Resolver, *, local: bool) -> None:
    """Refuse non-http(s) URLs and, unless ``local``, hosts resolving to non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchFailure("scheme", f"scheme {parts.scheme or '(none)'!r} refused; only http and https are fetched",
                         where=url)
    if not parts.hostname:
        raise FetchFailure("scheme", "no host in URL", where=url)
    if local:
        return
    try:
        addresses = [str(ipaddress.ip_address(parts.hostname))]  # an address literal needs no lookup
    except ValueError:
        try:
            addresses = resolver(parts.hostname)
        except FetchFailure as exc:
            raise FetchFailure(exc.kind, exc.message, where=url) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            kind = next((k for k in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified")
                         if getattr(ip, f"is_{k}")), "non-public")
            raise FetchFailure("address", f"host {parts.hostname} resolves to {kind.replace('_', '-')} address {ip}; refused",
                             where=url, hint="mark the feed local = true if this is intended")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class HostGate:
    """Per-host politeness: a concurrency cap and a minimum delay between request starts."""

    def __init__(self, delay: float, concurrency: int, *, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self.concurrency = concurrency
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(host, threading.BoundedSemaphore(self.concurrency))

    def _reserve(self, host: str) -> float:
        """Book the next start time for ``host``; returns how long to wait for it."""
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self.delay
            return start - now

    def enter(self, host: str) -> Callable[[], None]:
        slot = self._slot(host)
        slot.acquire()
        wait = self._reserve(host)
        if wait > 0:
            self._sleep(wait)
        return slot.release


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response that passed every check."""

    url: str  # after redirects
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None


class RobotsCache:
    """robots.txt per origin, fetched through the same :class:`Fetcher`, parsed by Protego, kept ``ttl`` seconds.

    RFC 9309: a 4xx robots.txt means everything is allowed; an unreachable one
    (5xx, timeout, refused) means nothing is, until it can be read. Protego
    (Scrapy's parser) follows RFC 9309's matching: wildcards, ``$``, and the
    longest matching rule wins, which the standard library's parser does not.
    """

    def __init__(self, user_agent: str, ttl: float = ROBOTS_TTL) -> None:
        self.user_agent = user_agent
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Protego | bool]] = {}

    def allowed(self, fetcher: Fetcher, url: str, *, local: bool) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(origin)
        if cached is None or cached[0] < now:
            rules = self._load(fetcher, origin, local=local)
            with self._lock:
                self._cache[origin] = (now + self.ttl, rules)
        else:
            rules = cached[1]
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, self.user_agent))

    def _load(self, fetcher: Fetcher, origin: str, *, local: bool) -> Protego | bool:
        try:
            got = fetcher.get(origin + "/robots.txt", local=local, max_bytes=500_000)
        except FetchError as exc:
            return exc.status is not None and 400 <= exc.status < 500 and exc.status not in (429,)
        return Protego.parse(got.body.decode("utf-8", "replace"))


class Fetcher:
    """HTTP GET with the checks in the module docstring. Thread-safe."""

    def __init__(self, client: httpx.Client, *, timeout: float = 20.0, max_body_bytes: int = 5_000_000,
                 max_redirects: int = 5, gate: HostGate | None = None, resolver: Resolver = system_resolver,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self.gate = gate or HostGate(0.0, 2)
        self.resolver = resolver
        self.clock = clock

    def get(self, url: str, *, local: bool = False, etag: str | None = None, last_modified: str | None = None,
            accept: str = "*/*", content_types: Iterable[str] | None = None,
            max_bytes: int | None = None) -> Fetched:
        """GET ``url``; ``content_types`` (if given) are the acceptable media types of the final response."""
        if local and _is_file(url):
            return self._read_file(url, max_bytes or self.max_body_bytes, last_modified)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.max_redirects + 1):
            check_address(current, self.resolver, local=local)
            fetched = self._once(current, headers, max_bytes or self.max_body_bytes)
            if fetched.status in (301, 302, 303, 307, 308):
                location = fetched.headers.get("location")
                if not location:
                    raise FetchFailure("http", f"HTTP {fetched.status} redirect without a Location", where=url)
                current = urljoin(current, location)
                continue
            break
        else:
            raise FetchFailure("redirects", f"more than {self.max_redirects} redirects (last: {current})", where=url,
                             hint="a redirect loop, or raise poller.max_redirects")
        if fetched.status == 304:
            return fetched
        if fetched.status in (429, 503):
            retry = parse_retry_after(fetched.headers.get("retry-after"), self.clock())
            hint = f"retry in {retry:.0f}s" if retry is not None else None
            raise FetchFailure("throttled", f"HTTP {fetched.status} {_reason(fetched.status)}", where=url, hint=hint,
                             status=fetched.status, retry_after=retry)
        if fetched.status >= 400:
            raise FetchFailure("http", f"HTTP {fetched.status} {_reason(fetched.status)}", where=url, status=fetched.status)
        if fetched.status >= 300 or fetched.status < 200:
            raise FetchFailure("http", f"unexpected HTTP {fetched.status}", where=url, status=fetched.status)
        if content_types is not None and fetched.content_type and fetched.content_type not in content_types:
            raise FetchFailure("content_type", f"content type {fetched.content_type!r} refused (expected "
                             f"{' or '.join(content_types)})", where=url)
        return fetched

    def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
        host = urlsplit(url).hostname or ""
        release = self.gate.enter(host)
        started = time.monotonic()
        try:
            with self.client.stream("GET", url, headers=headers, timeout=self.timeout,
                                    follow_redirects=False) as response:
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status_code != 200:
                    body = b""
                else:
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchFailure("too_large", f"body of {int(declared)} bytes exceeds the {max_bytes}-byte limit",
                                         where=url, hint="raise poller.max_body_bytes if this is expected")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchFailure("too_large", f"body exceeds the {max_bytes}-byte limit", where=url,
                                             hint="raise poller.max_body_bytes if this is expected")
                        if time.monotonic() - started > self.timeout:
                            raise FetchFailure("timeout", f"download took longer than {self.timeout:g}s", where=url)
                        chunks.append(chunk)
                    body = b"".join(chunks)
        except httpx.TimeoutException:
            raise FetchFailure("timeout", f"timed out after {self.timeout:g}s", where=url) from None
        except httpx.DecodingError as exc:
            raise FetchFailure("decode", f"cannot decode the body ({exc})", where=url) from None
        except httpx.HTTPError as exc:
            raise FetchFailure("network", f"{type(exc).__name__}: {exc or 'connection failed'}", where=url) from None
        finally:
            release()
        return Fetched(url=url, status=response.status_code, body=body, headers=resp_headers,
                       etag=resp_headers.get("etag"), last_modified=resp_headers.get("last-modified"))

    def _read_file(self, url: str, max_bytes: int, last_modified: str | None = None) -> Fetched:
        """A local file, with its mtime as Last-Modified so an unchanged feed file is "not modified"."""
        path = _file_path(url)
        try:
            stat = path.stat()
            size = stat.st_size
            modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
            if last_modified == modified:
                return Fetched(url=url, status=304, last_modified=modified)
            if size > max_bytes:
                raise FetchFailure("too_large", f"file of {size} bytes exceeds the {max_bytes}-byte limit", where=str(path))
            body = path.read_bytes()
        except OSError as exc:
            raise FetchFailure("file", f"cannot read: {exc.strerror}", where=str(path)) from None
        content_type = "text/html" if path.suffix in (".html", ".htm") else "application/xml"
        return Fetched(url=url, status=200, body=body, headers={"content-type": content_type},
                       last_modified=modified)


def _is_file(url: str) -> bool:
    return url.startswith("file:") or "://" not in url


def _file_path(url: str) -> Path:
    return Path(url2pathname(urlsplit(url).path)) if url.startswith("file:") else Path(url)


def _reason(status: int) -> str:
    try:
        return httpx.codes(status).name.replace("_", " ").title()
    except ValueError:
        return ""

"""Article identity: canonical URLs, ids, content hashes and story groups of near-duplicates.

- ``canonical_url``: courlan's normalisation (lower-case host, default port
  dropped, query sorted, tracking parameters such as ``utm_*``, ``fbclid``,
  ``gclid`` removed) and the fragment dropped.
- ``article_id = stable_id(canonical_url)``; without a URL (``newswire ingest``
  of a JSON line with an empty ``url``), ``stable_id("doc", doc_id)``.
- ``content_hash``: of the normalised body (whitespace collapsed, case folded),
  so one text under two URLs is one article.
- :class:`StoryIndex`: MinHash (word 3-shingles, 128 permutations) + LSH at
  Jaccard ~0.6. An article whose text is close to one already seen joins its
  ``story_id``; otherwise it starts a story with its own id. Signatures are
  persisted by the caller (:mod:`newswire.poller.state`) and loaded back, so
  story ids survive restarts.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url
from datasketch import LeanMinHash, MinHash, MinHashLSH

from newswire.core.models import stable_id
from newswire.poller.clean import normalise_text

__all__ = [
    "NUM_PERM",
    "STORY_THRESHOLD",
    "StoryIndex",
    "article_id_for",
    "canonical_url",
    "content_hash",
    "url_problem",
    "signature",
    "signature_bytes",
    "signature_from_bytes",
]

NUM_PERM = 128
STORY_THRESHOLD = 0.6
_SHINGLE = 3
_SEED = 1


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an article's URL (only absolute http(s) URLs with a host can), or ``None``."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:  # "http://[::1": an unclosed IPv6 literal; a bad port
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL (scheme {parts.scheme or 'none'!r})"
    if not host:
        return "no host in the URL"
    return None


def canonical_url(url: str) -> str:
    """The URL an article is known by: normalised, tracking parameters and fragment removed."""
    try:
        normal = normalize_url(url.strip())
    except (ValueError, AttributeError):
        normal = url.strip()
    parts = urlsplit(normal)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def article_id_for(url: str, doc_id: str | None = None) -> str:
    return stable_id(canonical_url(url)) if url else stable_id("doc", doc_id)


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:32]


def signature(text: str) -> LeanMinHash:
    """The MinHash of the text's word 3-shingles."""
    words = normalise_text(text).split()
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return LeanMinHash(minhash)


def signature_bytes(sig: LeanMinHash) -> bytes:
    """datasketch's own serialisation (seed, scheme and hash values), for the state table."""
    buf = bytearray(sig.bytesize())
    sig.serialize(buf)
    return bytes(buf)


def signature_from_bytes(blob: bytes) -> LeanMinHash:
    return LeanMinHash.deserialize(blob)


class StoryIndex:
    """Near-duplicate lookup over the articles seen so far (in memory, rebuilt from the state table)."""

    def __init__(self, threshold: float = STORY_THRESHOLD) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._story: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._story)

    def load(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """Add ``(article_id, story_id, signature bytes)`` rows from storage."""
        for article_id, story_id, blob in rows:
            self.add(article_id, story_id, signature_from_bytes(blob))

    def story_for(self, article_id: str, sig: LeanMinHash) -> str:
        """The story of its near-duplicates (the smallest id if they disagree), else the article's own id."""
        with self._lock:
            if article_id in self._story:
                return self._story[article_id]
            matches = [self._story[k] for k in self._lsh.query(sig) if k in self._story]
        return min(matches) if matches else article_id

    def add(self, article_id: str, story_id: str, sig: LeanMinHash) -> None:
        with self._lock:
            if article_id not in self._story:
                self._lsh.insert(article_id, sig)
                self._story[article_id] = story_id

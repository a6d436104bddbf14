"""Cleaning benchmark: our :func:`~newswire.poller.clean.clean_html` on the Scrapinghub article pages.

Reads ``../shared/corpus/html-bench/html/*.html.gz`` (181 real pages) and
``ground-truth.json`` at run time (third-party data stays out of the repo),
cleans every page with the poller's settings, and prints:

- pages per second with 1 process and with 2 processes (wall clock), and
  pages per CPU-second (less sensitive to other jobs on a shared machine);
- body F1 computed as the article-extraction benchmark computes it: texts
  split into ``\\w+`` tokens, shingles of 4 tokens, per-page TP/FP/FN
  normalised to sum 1, precision and recall averaged over pages, F1 of the
  averages (trafilatura's published 0.958 uses this metric);
- plain bag-of-tokens F1 (shingle size 1) for reference.

Run: ``.venv/bin/python benchmarks/cleaning.py [--bench DIR] [--limit N]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from newswire.poller.clean import clean_html

__all__ = ["main", "shingle_scores", "f1_of"]

DEFAULT_BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "html-bench"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_scores(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Per-page TP, FP, FN over shingles of ``n`` tokens, normalised so long pages do not weigh more."""
    t, p = _shingles(true, n), _shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def f1_of(scores: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Precision, recall and F1 as the benchmark's ``evaluate.py`` defines them."""
    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    p = statistics.mean(precision(*s) for s in scores if s[0] + s[1] > 0)
    r = statistics.mean(recall(*s) for s in scores if s[0] + s[2] > 0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _clean_file(path: Path) -> tuple[str, str]:
    return path.name.removesuffix(".html.gz"), clean_html(gzip.decompress(path.read_bytes())).text


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children: robust to other jobs on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run(paths: list[Path], processes: int) -> tuple[dict[str, str], float, float]:
    """Results, wall-clock seconds and CPU seconds of cleaning ``paths`` with ``processes`` workers."""
    start, cpu = time.perf_counter(), _cpu_seconds()
    if processes == 1:
        results = dict(_clean_file(p) for p in paths)
    else:
        with ProcessPoolExecutor(processes) as pool:  # leaving the block reaps the workers: their CPU counts
            results = dict(pool.map(_clean_file, paths, chunksize=4))
    return results, time.perf_counter() - start, _cpu_seconds() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="html-bench directory")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    args = parser.parse_args(argv)
    truth_file = args.bench / "ground-truth.json"
    if not truth_file.is_file():
        print(f"{truth_file}: not found; pass --bench DIR", file=sys.stderr)
        return 2
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    paths = sorted((args.bench / "html").glob("*.html.gz"))[: args.limit]
    _clean_file(paths[0])  # warm trafilatura's lazy imports and caches outside the timing
    print(f"{'processes':>9}  {'pages':>5}  {'seconds':>8}  {'pages/s':>8}  {'pages/CPU-s':>11}")
    results: dict[str, str] = {}
    for processes in (1, 2):
        results, seconds, cpu = _run(paths, processes)
        print(f"{processes:>9}  {len(paths):>5}  {seconds:8.2f}  {len(paths) / seconds:8.1f}  "
              f"{len(paths) / cpu:11.1f}")
    keys = [k for k in results if k in truth]
    print()
    print(f"{'metric':<28}  {'precision':>9}  {'recall':>6}  {'F1':>6}")
    for label, n in (("shingle-4 F1 (benchmark)", 4), ("token F1 (bag of tokens)", 1)):
        p, r, f = f1_of([shingle_scores(truth[k].get("articleBody", ""), results[k], n) for k in keys])
        print(f"{label:<28}  {p:9.3f}  {r:6.3f}  {f:6.3f}")
    print(f"\n{len(keys)} pages scored against {truth_file.name}; trafilatura's published F1: 0.958")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

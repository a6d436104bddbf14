"""Extraction throughput: articles per second on one core over the 804 FA-KES articles.

    .venv/bin/python benchmarks/extraction.py [--corpus ../shared/corpus/fakes.jsonl] [--rounds 3]
        [--batch 100] [--profile]

The extractor (gazetteer, actor lexicon, frames and the dependency parser it loads) is built once
and timed apart, as a long-running service builds it once; its start-up time and the process's
resident memory after it are printed too. The timed part is ``Extractor.extract_many`` over every
article, ``--batch`` articles at a time as the extractor service hands over a batch of the log
(``--batch 1`` is ``extract`` one article at a time), ``--rounds`` times after one warm-up round;
CPU time (``time.process_time``) is reported next to wall time so that other load on a shared
machine does not count against the extractor.
The goal is 150 articles/s on one core. ``--profile`` prints the hottest functions (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import io
import pstats
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newswire.extractor.articles import read_articles

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "fakes.jsonl"
GOAL = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100, help="articles extracted together (1: one at a time)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    console = Console()
    if not args.corpus.is_file():
        console.print(f"{args.corpus}: not found; pass --corpus PATH to the FA-KES articles (fakes.jsonl)")
        return

    articles = list(read_articles(args.corpus))
    words = sum(len(a.text.split()) for a in articles)
    t0, c0 = time.perf_counter(), time.process_time()
    from newswire.extractor.extract import Extractor

    extractor = Extractor()
    build_wall, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_built = _rss_mib()

    def one_round() -> tuple[float, float, int]:
        events = 0
        w, c = time.perf_counter(), time.process_time()
        for i in range(0, len(articles), args.batch):
            events += sum(map(len, extractor.extract_many(articles[i:i + args.batch])))
        return time.perf_counter() - w, time.process_time() - c, events

    one_round()  # warm caches (places, fold table), as a running service would have them
    rounds = [one_round() for _ in range(max(1, args.rounds))]
    wall = statistics.median(r[0] for r in rounds)
    cpu = statistics.median(r[1] for r in rounds)
    events = rounds[0][2]
    n = len(articles)

    table = Table(title=f"extraction over {args.corpus.name} (one core)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("articles", f"{n} ({words / n:.0f} words each)")
    table.add_row("events extracted", f"{events} ({events / n:.2f} per article)")
    table.add_row("start-up (gazetteer, lexicon, frames, parser)", f"{build_wall:.2f} s wall, {build_cpu:.2f} s CPU")
    table.add_row("resident memory after start-up", f"{rss_built:.0f} MiB")
    table.add_row("resident memory after the rounds (peak)", f"{_rss_mib():.0f} MiB")
    table.add_row(f"extract ({args.batch} articles a call), median of {len(rounds)} rounds",
                  f"{wall:.2f} s wall, {cpu:.2f} s CPU")
    table.add_row("articles/s (CPU time)", f"{n / cpu:.0f}")
    table.add_row("articles/s (wall time)", f"{n / wall:.0f}")
    table.add_row("ms per article (CPU)", f"{1000 * cpu / n:.2f}")
    table.add_row("goal", f"{GOAL:.0f} articles/s: {'met' if n / cpu >= GOAL else 'NOT met'}")
    console.print(table)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for a in articles:
            extractor.extract(a)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        console.print(out.getvalue(), highlight=False, markup=False)


def _rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()

"""Time the gazetteer and the actor lexicon over the FA-KES corpus (804 articles) on one core.

    .venv/bin/python benchmarks/bench_gazetteer.py [../shared/corpus/fakes.jsonl]

Prints build time, peak memory (RSS) after the build, and per-article CPU time (process
time, so other load on the machine does not count) of
``Gazetteer.find`` + ``focus_country`` + ``ActorLexicon.find``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    default = Path(__file__).resolve().parents[1] / "../shared/corpus/fakes.jsonl"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    texts = [" ".join([d.get("title", ""), d["text"]]) for d in map(json.loads, path.open(encoding="utf-8"))]
    base = rss_mib()
    t0 = time.process_time()
    from newswire.extractor.gazetteer import Gazetteer
    gaz = Gazetteer.default()
    t1 = time.process_time()
    from newswire.extractor.actors import ActorLexicon
    lex = ActorLexicon.default()
    t2 = time.process_time()
    built = rss_mib()
    words = sum(len(t.split()) for t in texts)

    def run() -> tuple[float, float, int, int]:
        places = actors = 0
        tg = ta = 0.0
        for text in texts:
            a = time.process_time()
            found = gaz.find(text)
            cc = gaz.focus_country(found)
            b = time.process_time()
            acts = lex.find(text, cc)
            c = time.process_time()
            tg += b - a
            ta += c - b
            places += len(found)
            actors += len(acts)
        return tg, ta, places, actors

    run()  # warm the Place cache and the fold table, as a long-running service would be
    tg, ta, places, actors = run()
    n = len(texts)
    print(f"{'corpus':32} {n} articles, {words / n:.0f} words each")
    print(f"{'gazetteer build':32} {t1 - t0:8.2f} s  ({len(gaz):,} entries: places, crossings, countries)")
    print(f"{'actor lexicon build':32} {t2 - t1:8.2f} s")
    print(f"{'peak RSS after build':32} {built:8.0f} MiB (interpreter before: {base:.0f} MiB)")
    print(f"{'Gazetteer.find+focus_country':32} {1000 * tg / n:8.3f} ms/article  ({places / n:.1f} mentions)")
    print(f"{'ActorLexicon.find':32} {1000 * ta / n:8.3f} ms/article  ({actors / n:.1f} mentions)")
    print(f"{'both':32} {n / (tg + ta):8.0f} articles/s")


if __name__ == "__main__":
    main()

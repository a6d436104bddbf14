"""Train newswire's tagger and dependency parser on the UD English Web Treebank and ship it.

    .venv/bin/python training/parser/train.py            # convert, train, evaluate, copy into the package
    .venv/bin/python training/parser/train.py --evaluate # only evaluate the shipped model on the test set

The treebank is read from ``../shared/corpus/ud-english-ewt`` (CC BY-SA 4.0, Silveira et al., LREC 2014);
nothing of it is committed. The trained pipeline (tok2vec, tagger with Penn tags, parser with UD relations)
is copied to ``services/newswire/extractor/data/parser``, where :mod:`newswire.extractor.syntax` loads it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TREEBANK = ROOT.parent / "shared" / "corpus" / "ud-english-ewt"
WORK = ROOT / "build" / "parser"
SHIPPED = ROOT / "services" / "newswire" / "extractor" / "data" / "parser"


def convert(split: str) -> Path:
    """One ``.spacy`` file per split, ten sentences per doc, from the gzipped CoNLL-U."""
    from spacy.tokens import DocBin
    from spacy.training.converters import conllu_to_docs

    out = WORK / f"{split}.spacy"
    if out.exists():
        return out
    with gzip.open(TREEBANK / f"en_ewt-ud-{split}.conllu.gz", "rt", encoding="utf-8") as f:
        text = f.read()
    docs = list(conllu_to_docs(text, n_sents=10, no_print=True))
    out.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no build directory
    DocBin(docs=docs, store_user_data=False).to_disk(out)
    print(f"{split}: {len(docs)} docs -> {out}")
    return out


def domain_lexicon() -> Path:
    """Words by Penn tag for the *words* augmenter: every form of the frames' lemmas, and place and group names."""
    import random

    from lemminflect import getAllInflections

    from newswire.extractor.actors import ActorLexicon
    from newswire.extractor.frames import load_frames
    from newswire.extractor.gazetteer import Gazetteer

    by_tag: dict[str, set[str]] = {}
    for ev in load_frames():
        for frame in ev.frames:
            for lemma, upos in [*((v, "VERB") for v in frame.verbs), *((n, "NOUN") for n in frame.nouns)]:
                inflections = dict(getAllInflections(lemma, upos=upos))
                if upos == "VERB" and "VBN" not in inflections and "VBD" in inflections:
                    inflections["VBN"] = inflections["VBD"]  # "seized": lemminflect lists a regular participle once
                for tag, forms in inflections.items():
                    by_tag.setdefault(tag, set()).update(f for f in forms if f.isalpha())
    gaz = Gazetteer.default()
    names = {p.name for p in (gaz._place(i) for i in range(len(gaz._rows)))  # noqa: SLF001 - a build-time sample
             if p.kind in ("city", "town", "village", "crossing", "base") and p.name.isalpha()}
    names |= {a.name for a in ActorLexicon.default()._actors if a.name.isalpha()}  # noqa: SLF001
    rng = random.Random(0)
    by_tag["NNP"] = set(rng.sample(sorted(names), min(3000, len(names))))
    out = WORK / "lexicon.json"
    out.write_text(json.dumps({k: sorted(v) for k, v in by_tag.items()}), encoding="utf-8")
    return out


def train() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    paths = {split: convert(split) for split in ("train", "dev", "test")}
    lexicon = domain_lexicon()
    subprocess.run([sys.executable, "-m", "spacy", "train", str(HERE / "config.cfg"), "--output", str(WORK / "out"),
                    "--code", str(HERE / "augment.py"), "--paths.train", str(paths["train"]),
                    "--paths.dev", str(paths["dev"]),
                    "--corpora.train.augmenter.lexicon_path", str(lexicon)], check=True)
    if SHIPPED.exists():
        shutil.rmtree(SHIPPED)
    shutil.copytree(WORK / "out" / "model-best", SHIPPED)
    _stamp(SHIPPED / "meta.json")
    evaluate()


def _stamp(meta_path: Path) -> None:
    """Name the model, its training data and its licence in its own meta.json."""
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({
        "name": "newswire_ewt_parser",
        "description": "newswire's tagger (Penn Treebank tags) and dependency parser (Universal Dependencies "
                       "relations), trained by training/parser/train.py on UD_English-EWT",
        "license": "CC BY-SA 4.0",
        "sources": [{"name": "Universal Dependencies English Web Treebank (UD_English-EWT)",
                     "author": "Silveira et al., A Gold Standard Dependency Corpus for English, LREC 2014",
                     "url": "https://github.com/UniversalDependencies/UD_English-EWT",
                     "license": "CC BY-SA 4.0"}],
    })
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def evaluate() -> None:
    test = convert("test")
    subprocess.run([sys.executable, "-m", "spacy", "evaluate", str(SHIPPED), str(test),
                    "--code", str(HERE / "augment.py")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluate", action="store_true", help="only evaluate the shipped model")
    args = parser.parse_args()
    if not TREEBANK.exists():
        sys.exit(f"no treebank at {TREEBANK}: it is read from ../shared/corpus")
    evaluate() if args.evaluate else train()


if __name__ == "__main__":
    main()

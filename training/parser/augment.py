"""Training-time augmenters for the parser: the text shapes newswire reads besides clean prose.

Registered with spaCy's registry, so ``config.cfg`` names them and ``spacy train --code augment.py`` loads them.

- *stripped*: commas and apostrophes removed, as in the FA-KES corpus ("the armys full control of
  Aleppo city" for "the army's full control of Aleppo city"). A dropped comma's dependents, if any,
  re-attach to its head; an apostrophe inside a token ("'s", "n't") just disappears from it.
- *headline*: Title Case, as headlines and timeline entries are written ("Rebels Seize Key Town").
- *names*: each multi-word proper name ("Rapid Support Forces", "Wad Madani") as one token, as
  the extractor hands the parser the names it recognised (:mod:`newswire.extractor.syntax`).

- *words*: some verbs and nouns replaced by a word of the same tag from the words newswire's event
  frames use ("retook", "overran", "seizure"), and some proper nouns by place and group names of the
  conflicts it covers ("Lashio", "Wad Madani"): the treebank is web English, where those words are
  rare or absent, and a tagger that has never seen "overran" calls it a noun. The tree is kept.

Each transformation applies to an example with its own probability; the example is yielded once,
so an epoch keeps its size and about a third of it stays as the treebank wrote it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

_APOSTROPHES = "'’`"
_SMALL = frozenset("a an the of in on at to for and or but by with from as into over".split())


def _rebuild(nlp: Language, ref: Doc, words: list[str], spaces: list[bool], keep: list[int]) -> Doc:
    """A new reference doc from the kept tokens of ``ref`` (with new ``words``), heads re-mapped."""
    index = {old: new for new, old in enumerate(keep)}
    heads, deps, tags, pos, lemmas = [], [], [], [], []
    for old in keep:
        tok = ref[old]
        head = tok.head
        while head.i not in index and head.head.i != head.i:  # a dropped head: climb to a kept one
            head = head.head
        heads.append(index.get(head.i, index[old]))
        deps.append(tok.dep_ if head.i in index else "ROOT" if tok.dep_ == "ROOT" else tok.dep_)
        tags.append(tok.tag_)
        pos.append(tok.pos_)
        lemmas.append(tok.lemma_)
    return Doc(ref.vocab, words=words, spaces=spaces, tags=tags, pos=pos, lemmas=lemmas, heads=heads, deps=deps)


def _stripped(nlp: Language, ref: Doc) -> Doc:
    words: list[str] = []
    spaces: list[bool] = []
    keep: list[int] = []
    for tok in ref:
        text = tok.text
        if text == ",":
            if spaces:
                spaces[-1] = spaces[-1] or bool(tok.whitespace_)
            continue
        text = "".join(ch for ch in text if ch not in _APOSTROPHES)
        if not text:
            if spaces:
                spaces[-1] = spaces[-1] or bool(tok.whitespace_)
            continue
        words.append(text)
        spaces.append(bool(tok.whitespace_))
        keep.append(tok.i)
    return _rebuild(nlp, ref, words, spaces, keep)


def _headline(nlp: Language, ref: Doc) -> Doc:
    words = [t.text if (t.i and t.lower_ in _SMALL) else t.text[:1].upper() + t.text[1:] for t in ref]
    return _rebuild(nlp, ref, words, [bool(t.whitespace_) for t in ref], [t.i for t in ref])


_NAME_TAGS = ("NNP", "NNPS")
_SWAP_TAGS = ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "NN", "NNS")


def _words(nlp: Language, ref: Doc, lexicon: dict[str, list[str]], rate: float) -> Doc:
    """Swap some verbs, nouns and one-word proper nouns for words of the same tag from ``lexicon``."""
    words = []
    for t in ref:
        if t.dep_ in ("aux", "aux:pass", "cop", "compound:prt", "fixed", "flat", "compound", "goeswith"):
            choices = None  # a copula or an auxiliary stays one: only content words change
        elif t.tag_ in _SWAP_TAGS or (t.tag_ == "NNP" and not any(c.dep_ in ("flat", "compound") for c in t.children)):
            choices = lexicon.get(t.tag_)
        else:
            choices = None
        if choices and random.random() < rate:
            w = random.choice(choices)
            if t.text[:1].isupper() and t.tag_ != "NNP":
                w = w[:1].upper() + w[1:]
            words.append(w)
        else:
            words.append(t.text)
    return _rebuild(nlp, ref, words, [bool(t.whitespace_) for t in ref], [t.i for t in ref])


def _names(nlp: Language, ref: Doc) -> Doc:
    """Merge each run of proper nouns joined by ``flat``/``compound`` (hyphens included) into one token."""
    doc = Doc(ref.vocab, words=[t.text for t in ref], spaces=[bool(t.whitespace_) for t in ref],
              tags=[t.tag_ for t in ref], pos=[t.pos_ for t in ref], lemmas=[t.lemma_ for t in ref],
              heads=[t.head.i for t in ref], deps=[t.dep_ for t in ref])
    # link each proper noun to its head when both are proper nouns joined by flat/compound and only
    # proper nouns or hyphens lie between them; each linked, contiguous group is one name
    group = list(range(len(doc)))

    def find(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for t in doc:
        h = t.head
        if t.tag_ in _NAME_TAGS and h.tag_ in _NAME_TAGS and t.dep_ in ("flat", "compound") and h.i != t.i:
            lo, hi = min(t.i, h.i), max(t.i, h.i)
            if all(doc[k].tag_ in _NAME_TAGS or doc[k].tag_ == "HYPH" for k in range(lo, hi + 1)):
                for k in range(lo, hi + 1):
                    group[find(k)] = find(t.i)
    members: dict[int, list[int]] = {}
    for t in doc:
        members.setdefault(find(t.i), []).append(t.i)
    runs = [(min(v), max(v) + 1) for v in members.values() if len(v) > 1 and max(v) - min(v) + 1 == len(v)]
    if runs:
        with doc.retokenize() as retok:
            for a, b in runs:
                root = doc[a:b].root
                retok.merge(doc[a:b], attrs={"TAG": root.tag_, "POS": root.pos_})
    return doc


@spacy.registry.augmenters("newswire.text_shapes.v1")
def create_text_shapes(stripped: float, headline: float, names: float = 0.0, words: float = 0.0,
                       lexicon_path: str = "") -> Callable[[Language, Example], Iterator[Example]]:
    """Yield each example once, each transformation applied with its probability."""
    lexicon: dict[str, list[str]] = json.loads(Path(lexicon_path).read_text()) if lexicon_path else {}

    def augment(nlp: Language, example: Example) -> Iterator[Example]:
        ref = example.reference
        changed = False
        if lexicon and random.random() < words:
            ref, changed = _words(nlp, ref, lexicon, 0.3), True
        if random.random() < names:
            ref, changed = _names(nlp, ref), True
        if random.random() < stripped:
            ref, changed = _stripped(nlp, ref), True
        if random.random() < headline:
            ref, changed = _headline(nlp, ref), True
        if not changed:
            yield example
            return
        # the prediction sees the reference's own tokens: merged names must reach the model as one token
        yield Example(Doc(ref.vocab, words=[t.text for t in ref], spaces=[bool(t.whitespace_) for t in ref]), ref)

    return augment

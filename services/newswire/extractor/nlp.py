"""The one spaCy pipeline the extractor uses (blank English, built once) and its sentence splitter.

No model weights: ``spacy.blank("en")`` ships with spaCy and works offline (an
air-gapped install cannot download a trained pipeline). Tokens, the vocabulary
and the ``Matcher`` are all the extractor needs from spaCy; places and actors
come from the gazetteer and the actor lexicon, and events from the token
patterns in :mod:`.patterns`.

Sentences: :func:`split_sentences` applies the rule of spaCy's ``sentencizer``
(a full stop, "!", "?" or "…" ends a sentence, closing quotes and brackets stay
with it) plus "a newline ends a sentence" (headings and captions have no full
stop), on the raw text. It gives the same sentences on news text, but runs in C
(``re``) instead of walking every token in Python: the sentencizer alone took
half of the per-article budget, and with it every sentence had to be tokenized,
while only the few sentences with a trigger word need tokens (measured in
``benchmarks/extraction.py``). :func:`get_nlp` with ``sentencizer=True`` gives the
classic pipeline for anyone who wants ``doc.sents``.
"""

from __future__ import annotations

import functools
import re

import spacy
from spacy.language import Language

__all__ = ["get_nlp", "split_sentences", "ABBREVIATIONS"]

# Words whose full stop does not end a sentence ("Col. Akidi", "Dr. Attar", "No. 3").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr col gen lt capt maj sgt cpl adm brig st no nos vs etc jan feb mar apr jun jul aug sep sept oct "
    "nov dec prof rev gov sen rep inc ltd co corp approx est fig".split())

# "... violations.In a letter": scraped text sometimes loses the space after a full stop.
_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s)|\n|(?<=[a-z]{2})\.(?=[A-Z][a-z])")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.+$")


@functools.cache
def get_nlp(sentencizer: bool = False) -> Language:
    """The shared blank English pipeline; with ``sentencizer`` it also sets ``doc.sents``."""
    nlp = spacy.blank("en")
    if sentencizer:
        nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (whitespace-only spans dropped), in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group() != "\n":
            word = _LAST_WORD.search(text, max(start, m.start() - 12), m.start() + 1)
            if word is not None:
                w = word.group(1).lower()
                # "U.S. officials", "Col. Akidi": an abbreviation, unless a capital starts a new sentence
                # after a full stop that is clearly final ("in the U.S. The army ...")
                if w.rstrip(".") in ABBREVIATIONS or (len(w) <= 4 and "." in w and not _starts_sentence(text, end)):
                    continue
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _starts_sentence(text: str, pos: int) -> bool:
    rest = text[pos:pos + 40].lstrip()
    first = rest.split(" ", 1)[0] if rest else ""
    return first in ("The", "A", "An", "In", "On", "It", "He", "She", "They", "But", "And", "This", "That")

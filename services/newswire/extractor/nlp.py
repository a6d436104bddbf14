"""The one spaCy pipeline the extractor uses: blank English with a sentencizer, built once.

No model weights: ``spacy.blank("en")`` ships with spaCy and works offline (an
air-gapped install cannot download a trained pipeline). Sentences and tokens are
all the extractor needs from spaCy; places and actors come from the gazetteer and
the actor lexicon, and events from the token patterns in :mod:`.patterns`.
"""

from __future__ import annotations

import functools

import spacy
from spacy.language import Language

__all__ = ["get_nlp"]


@functools.cache
def get_nlp() -> Language:
    """The shared pipeline (tokenizer + sentencizer); built on first use, then reused."""
    nlp = spacy.blank("en")
    # FA-KES text keeps only full stops, so the sentencizer's punctuation set is enough;
    # newlines separate paragraphs and also end a sentence (see _paragraph_breaks).
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newswire_paragraph_breaks", before="sentencizer")
    return nlp


@Language.component("newswire_paragraph_breaks")
def _paragraph_breaks(doc):  # type: ignore[no-untyped-def]
    """A newline ends a sentence: headings and captions have no full stop."""
    for i, token in enumerate(doc[:-1]):
        if "\n" in token.text:
            doc[i + 1].is_sent_start = True
    return doc

"""The parser newswire trained itself, and the few questions the extractor asks a dependency tree.

The pipeline in ``data/parser`` (tok2vec, a tagger of Penn Treebank tags and a parser of Universal
Dependencies relations) was trained on the UD English Web Treebank by ``training/parser/train.py``,
with a share of the sentences shown without commas and apostrophes (as FA-KES prints them) and in
headline Title Case. It loads offline from the package; nothing is downloaded.

Only the sentences that can hold an event are parsed (a trigger word and an entity in them): most
sentences of an article are neither, and the parser is the costliest step of extraction.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import compile_infix_regex

__all__ = [
    "MODEL_DIR",
    "load_parser",
    "is_verb",
    "is_noun",
    "is_passive",
    "coordinated_verb",
    "case_of",
    "conjuncts",
    "clause_of",
]

MODEL_DIR = Path(__file__).resolve().parent / "data" / "parser"


@functools.cache
def load_parser() -> Language:
    """The shipped tagger and parser (about 8 MB, loaded once per process).

    Its tokenizer also splits at dashes between words and after a closing bracket ("Chaman
    (Balochistan)—along with"), which news text writes without spaces.
    """
    nlp = spacy.load(MODEL_DIR)
    infixes = [*nlp.Defaults.infixes, r"[—–]", r"(?<=[)\]])(?=[A-Za-z])", r"(?<=[A-Za-z])[)\]](?=\S)"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


def is_verb(tok: Token) -> bool:
    return tok.tag_.startswith("VB") or tok.tag_ == "MD"


def is_noun(tok: Token) -> bool:
    return tok.tag_.startswith("NN")


def is_passive(verb: Token) -> bool:
    """A passive verb: a passive auxiliary or subject, or a past participle modifying a noun."""
    if any(c.dep_ in ("aux:pass", "nsubj:pass", "csubj:pass", "obl:agent") for c in verb.children):
        return True  # an agent "by" phrase makes a participle passive wherever the parser hung it
    return verb.tag_ == "VBN" and verb.dep_ in ("acl", "amod") and verb.head.i != verb.i and not any(
        c.dep_ == "aux" and c.lower_ in ("had", "has", "have", "having") for c in verb.children) and (
        coordinated_verb(verb) is None)  # "factions had taken", "had crossed the river and taken control"


def coordinated_verb(verb: Token) -> Token | None:
    """The verb whose clause a participle belongs to, where the parser read it as its object's adjective:
    "had crossed the river and taken control of X", "forces aligned with Y had taken control of X"
    (``taken`` an adjective of ``control``, ``control`` the object of the other verb)."""
    if verb.dep_ == "amod" and verb.tag_ == "VBN" and verb.i > 0 and (
            verb.doc[verb.i - 1].lower_ == "and"
            or any(c.dep_ == "aux" and c.lower_ in ("had", "has", "have") for c in verb.children)) and (
            verb.head.dep_ == "obj" and verb.head.i > verb.i and verb.head.head.tag_.startswith("VB")):
        return verb.head.head
    return None


def case_of(tok: Token) -> str:
    """The preposition of an oblique or nominal modifier ("from", "out_of", "in_front_of"), or ""."""
    words = [c.lower_ for c in tok.children if c.dep_ in ("case", "mark") and c.i < tok.i]
    if not words:
        return ""
    first = next(c for c in tok.children if c.dep_ in ("case", "mark") and c.i < tok.i)
    fixed = [f.lower_ for f in first.children if f.dep_ == "fixed"]
    return "_".join([*words[:1], *fixed, *words[1:]])


def conjuncts(tok: Token) -> list[Token]:
    """The token and every conjunct coordinated with it ("A, B and C"), in text order."""
    out = [tok]
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ == "conj" and c not in out:
                out.append(c)
                stack.append(c)
    return sorted(out, key=lambda t: t.i)


_CLAUSE_DEPS = frozenset({"ccomp", "advcl", "acl:relcl", "parataxis", "csubj", "xcomp", "acl", "conj", "list"})


def clause_of(tok: Token) -> list[Token]:
    """The tokens of ``tok``'s own clause: its subtree without the clauses embedded in it."""
    out: list[Token] = []
    stack = [tok]
    while stack:
        t = stack.pop()
        out.append(t)
        for c in t.children:
            if c.dep_ in _CLAUSE_DEPS and c.tag_.startswith(("VB", "MD")):
                continue
            stack.append(c)
    return sorted(out, key=lambda t: t.i)


def parse(texts: Iterable[str]) -> Iterator[Doc]:
    """Tagged and parsed docs of ``texts``, in order."""
    return load_parser().pipe(texts, batch_size=64)

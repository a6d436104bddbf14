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
    "parse_sentences",
    "is_verb",
    "is_noun",
    "is_passive",
    "coordinated_verb",
    "read_as_names",
    "object_read_as_head",
    "past_with_object",
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


_QUOTES = frozenset({'"', "“", "”"})


def parse_sentences(nlp: Language, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
    """Tag and parse ``docs``, reading past scare quotes.

    The treebank has few scare quotes, and the parser reads a quoted word as the start of a new
    phrase ("said the "temporary retreat" from X came" loses its subject). So each sentence is parsed
    without the marks around a few quoted words (:func:`_scare_quotes`), and the marks are put back
    as punctuation of the word they touch: the tokens, their text and their offsets are the caller's.
    """
    originals = list(docs)
    bare: list[Doc] = []
    kept: list[list[int] | None] = []
    for doc in originals:
        scare = _scare_quotes(doc)
        keep = [t.i for t in doc if t.i not in scare]
        if not scare:
            bare.append(doc)
            kept.append(None)
            continue
        words = [doc[i].text for i in keep]
        sub = Doc(doc.vocab, words=words, spaces=[True] * len(words))
        for j, i in enumerate(keep):
            sub[j].norm_ = doc[i].norm_  # a norm the caller set ("IS" read as an acronym) goes with its word
        bare.append(sub)
        kept.append(keep)
    for doc, sub, keep in zip(originals, nlp.pipe(bare, batch_size=batch_size), kept, strict=True):
        if keep is None:
            yield _crossing_nouns(sub)
            continue
        at = {i: j for j, i in enumerate(keep)}
        tags, heads, deps = [], [], []
        for t in doc:
            if t.i in at:
                parsed = sub[at[t.i]]
                tags.append(parsed.tag_)
                heads.append(keep[parsed.head.i])
                deps.append(parsed.dep_)
                continue
            # a quote mark hangs on the word it opens or closes (opening: the next word; else the previous)
            opening = t.i + 1 < len(doc) and not t.whitespace_ and doc[t.i + 1].i in at
            near = next((i for i in (range(t.i + 1, len(doc)) if opening or t.i == 0 else range(t.i - 1, -1, -1))
                         if i in at), keep[0])
            tags.append("``" if opening else "''")
            heads.append(near)
            deps.append("punct")
        out = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc],
                  tags=tags, heads=heads, deps=deps)
        for t in doc:
            out[t.i].norm_ = t.norm_
        yield _crossing_nouns(out)


def _crossing_nouns(doc: Doc) -> Doc:
    """Read "crossing" after a singular noun as the noun it is, where the tagger made it a participle.

    "Hungary closed its border crossing at X" comes out of the parser as "closed its border" with
    "crossing at X" a clause of its own. A participle "crossing" with no object of its own, right after
    the object of a verb, is that object's head noun: the tree is mended so ("its border crossing at X",
    "crossing" the object, "border" its compound, its phrases nominal).
    """
    for t in doc:
        if t.tag_ != "VBG" or t.lower_.rsplit(" ", 1)[-1] != "crossing" or t.i == 0 or any(
                c.dep_ == "obj" for c in t.children):
            continue
        if " " in t.text:  # a name merged into one token ("Kerem Shalom crossing"): the noun it is
            t.tag_ = "NN"
            if t.dep_ in ("xcomp", "advcl", "acl") and t.head.tag_.startswith("VB") and not any(
                    c.dep_ == "obj" for c in t.head.children):
                t.dep_ = "obj"
            continue
        before = doc[t.i - 1]
        if before.tag_ not in ("NN", "NNP") or before.dep_ not in ("obj", "nsubj", "nsubj:pass", "obl", "nmod") or (
                t.head.i != before.head.i and t.head.i != before.i):
            continue
        t.head, t.dep_, t.tag_ = before.head if before.head.i != t.i else t.head, before.dep_, "NN"
        for c in list(before.children):
            if c.i < before.i:
                c.head = t  # "its", "the": the determiners of the whole noun
        before.head, before.dep_ = t, "compound"
        for c in t.children:
            if c.dep_.startswith("obl"):
                c.dep_ = "nmod"
    return doc


def _scare_quotes(doc: Doc) -> set[int]:
    """The quote marks around one to three words inside a sentence ("the "temporary retreat" from X").

    Longer quotes, and quotes that open the sentence, are speech: their marks bound a clause and stay.
    """
    marks = [t.i for t in doc if t.text in _QUOTES]
    out: set[int] = set()
    for a, b in zip(marks[::2], marks[1::2], strict=False):
        inside = doc[a + 1:b]
        if a > 0 and 1 <= len(inside) <= 3 and all(t.is_alpha or "-" in t.text for t in inside):
            out.update((a, b))
    return out


def is_verb(tok: Token) -> bool:
    return tok.tag_.startswith("VB") or tok.tag_ == "MD"


def is_noun(tok: Token) -> bool:
    return tok.tag_.startswith("NN")


def is_passive(verb: Token) -> bool:
    """A passive verb: a passive auxiliary or subject, or a past participle modifying a noun."""
    if any(c.dep_ == "aux:pass" for c in verb.children):
        return True
    if any(c.dep_ in ("nsubj:pass", "csubj:pass") for c in verb.children):
        # "the army had also taken X and Y" read with a passive subject: a verb with an object is active
        return not any(c.dep_ == "obj" for c in verb.children)
    if any(c.dep_ == "obl:agent" for c in verb.children):
        # an agent "by" phrase makes a participle passive wherever the parser hung it; but a finite verb
        # with its own subject is active ("troops withdrew ... after an offensive by the SDF")
        return not (verb.tag_ in ("VBD", "VBZ", "VBP") and any(c.dep_ == "nsubj" for c in verb.children))
    return verb.tag_ == "VBN" and verb.dep_ in ("acl", "amod") and verb.head.i != verb.i and not any(
        c.dep_ == "aux" and c.lower_ in ("had", "has", "have", "having") for c in verb.children) and (
        coordinated_verb(verb) is None) and (  # "factions had taken", "had crossed the river and taken control"
        not past_with_object(verb))


def past_with_object(verb: Token) -> bool:
    """A past tense the tagger read as a participle on the noun before it: it has a direct object.

    "Al-Shabaab militants recaptured X on Monday" parsed as a noun phrase ("militants recaptured
    X") with no verb: a participle that modifies a noun is passive and takes no object of its own.
    """
    return verb.tag_ == "VBN" and verb.dep_ == "acl" and verb.head.i < verb.i and any(
        c.dep_ == "obj" for c in verb.children) and not any(
        c.dep_ in ("mark", "aux", "aux:pass") for c in verb.children)  # not "allows them to killed anybody"


def read_as_names(doc: Doc, names: Iterable[int]) -> None:
    """Tokens the article's entities know as names are proper nouns, whatever the tagger said.

    A rare name often comes out as an adverb or an adjective ("its troops took Bakhmut in May" with
    "Bakhmut" an adverb of "took"): it is made a proper noun, and the object of the verb it follows
    when that verb has none (so is a name the parser made the verb's predicate), or the subject of the
    verb right after it when that verb has none.
    """
    for i in names:
        t = doc[i]
        head = t.head
        if t.dep_ == "xcomp" and t.tag_.startswith("NNP") and head.tag_.startswith("VB") and head.i < t.i and not any(
                c.dep_ == "obj" for c in head.children):
            t.dep_ = "obj"  # "Russian forces have recaptured Sudzha, ..." with the name a predicate of the verb
        if t.tag_.startswith("NN") or not t.text[:1].isupper():
            continue
        t.tag_ = "NNP"
        if t.dep_ in ("advmod", "xcomp") and head.tag_.startswith("VB") and head.i < t.i and not any(
                c.dep_ == "obj" for c in head.children):
            t.dep_ = "obj"
        elif t.dep_ == "advmod" and head.tag_.startswith("VB") and t.i == head.i - 1 and not any(
                c.dep_.startswith("nsubj") for c in head.children):
            t.dep_ = "nsubj"  # "Latvia closed the X crossing" with "Latvia" an adverb of "closed"


def object_read_as_head(verb: Token) -> Token | None:
    """The object of coordinated verbs the parser read as adjectives of it: "Rebels stormed and took
    control of X" parsed as a noun phrase "[stormed and took] control" ("control" is ``took``'s object)."""
    first = verb.head
    if verb.dep_ == "conj" and verb.tag_ in ("VBD", "VBN") and first.dep_ == "amod" and first.tag_ in (
            "VBD", "VBN") and first.head.i > verb.i and first.head.tag_ in ("NN", "NNS"):
        return first.head
    return None


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
            # "Kfar Kila, Odaisseh, Markaba and Houla" with a name of the list read as a "list" dependent
            if (c.dep_ == "conj" or c.dep_ == "list" and c.tag_ in ("NNP", "NNPS") and t.tag_.startswith("NN")
                    and c.doc[c.i - 1].text == ",") and c not in out:
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

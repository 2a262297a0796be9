"""Parse helpers the quote stage and its tagger share: paragraphs, speakers, noun phrases."""
from __future__ import annotations

from typing import Sequence

from .cues import is_reporting


def segments(doc) -> list[tuple[int, int]]:
    """Token ranges of the paragraphs (runs of tokens between newline whitespace tokens)."""
    return paragraph_runs([t.is_space and "\n" in t.text for t in doc])


def paragraph_runs(newline: Sequence[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, nl in enumerate(newline):
        if nl:
            if start is not None:
                out.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        out.append((start, len(newline)))
    return out



_NOT_SPEAKERS = frozenset({"that", "this", "which", "what", "who", "these", "those"})


def no_speaker(tok) -> bool:
    """Relative pronouns, and an expletive "it"/"there" ("It was reported", "it seems");
    a referring "it" ("it said in a statement") stays a speaker."""
    low = tok.lower_
    if low in _NOT_SPEAKERS:
        return True
    if low not in ("it", "there"):
        return False
    h = tok.head
    return (tok.dep_ in ("expl", "nsubjpass") or h.lemma_ in ("be", "seem", "appear")
            or any(c.dep_ == "auxpass" for c in h.children))


def subject_token(doc, cue: tuple[int, int]):
    """The parsed speaker of a cue: its active subject, the agent of a passive, the object
    of "according to"; a participle or coordinated verb ("…, saying", "but admitted")
    takes the subject of the verb it hangs from. Expletive and relative pronouns and
    passive subjects ("was asked") are no speakers."""
    for i in range(cue[0], cue[1]):
        t = doc[i]
        if t.lemma_.lower() == "accord":
            for c in t.children:
                if c.dep_ == "prep":
                    for o in c.children:
                        if o.dep_ == "pobj":
                            return o
            continue
        if t.pos_ not in ("VERB", "AUX", "NOUN"):
            continue
        v, steps = t, 0
        while steps < 3:
            if steps and t.tag_ != "VBN" and v.dep_ == "ccomp" and is_reporting(v.head):
                # "X said the sanctions were overdue and called on …": an active cue verb
                # coordinated into a reported clause is the reporter's ("called" is X's;
                # a participle — "was arrested and accused" — is not)
                v, steps = v.head, steps + 1
                continue
            for c in v.children:
                if c.dep_ == "nsubj":
                    if no_speaker(c) or c.pos_ not in ("PROPN", "NOUN", "PRON"):
                        return None
                    return c
                if c.dep_ == "agent":
                    for o in c.children:
                        if o.dep_ == "pobj":
                            return o
                if c.dep_ == "nsubjpass":
                    return None
            if v.dep_ in ("conj", "advcl", "xcomp") and v.head.pos_ in ("VERB", "AUX"):
                v, steps = v.head, steps + 1
                continue
            if v.dep_ == "relcl" and v.head.pos_ in ("PROPN", "NOUN"):
                return v.head
            break
    return None


def subject_of(doc, cue: tuple[int, int]) -> tuple[int, int] | None:
    """The parsed speaker of a cue (see :func:`subject_token`) as a noun-phrase range."""
    t = subject_token(doc, cue)
    return noun_phrase(t) if t is not None else None


def noun_phrase(tok) -> tuple[int, int]:
    """A noun phrase around ``tok``: its left modifiers and compounds, not its clauses."""
    if tok.pos_ == "PRON":
        return tok.i, tok.i + 1
    start = tok.i
    for c in tok.lefts:
        if c.dep_ in ("compound", "amod", "det", "poss", "nmod", "nummod", "case"):
            start = min(start, c.left_edge.i)
    end = tok.i + 1
    for c in tok.rights:
        if c.dep_ in ("compound", "appos") and c.i == end:
            end = c.right_edge.i + 1
    return start, end


# left dependents that belong to the head's own name or role ("the top spokesman",
# "Senate Budget Committee chairman"); a possessor ("Y's aides") does not
_HEAD_LEFT = frozenset({"compound", "amod", "det", "nmod", "nummod", "quantmod", "npadvmod"})
_HEAD_RIGHT = frozenset({"compound", "flat"})


def _is_name(tok) -> bool:
    """A proper name, the kind of word an appositive gives for a role noun's person."""
    return tok.pos_ == "PROPN" and (tok.ent_type_ in ("PERSON", "") or tok.is_title)


def source_head(doc, start: int, end: int) -> tuple[int, int]:
    """The head of a source phrase ``[start, end)`` (token indices): the speaker, not
    another name inside the phrase.

    ``X, a senior fellow at Y`` and ``X, chairman of Y`` → X (the appositive describes
    X); ``a spokeswoman for Y, X`` → X (the appositive names the role's holder); ``X of Y``
    → X; ``Y's aides`` → ``aides`` (the possessor is an affiliation). The head keeps its
    determiner, adjectives and compounds ("the top spokesman", "Senator Jane Doe")."""
    toks = [t for t in doc[start:end] if not (t.is_space or t.is_punct)]
    if not toks:
        return start, end
    roots = [t for t in toks if not (start <= t.head.i < end) or t.head.i == t.i]
    if not roots:
        return start, end
    nominal = [t for t in roots if t.pos_ in ("PROPN", "NOUN", "PRON")]
    if not nominal:
        return start, end
    root = max(nominal, key=lambda t: (sum(1 for x in t.subtree if start <= x.i < end), -t.i))
    if root.pos_ == "PRON":
        return root.i, root.i + 1
    head = root
    if root.pos_ != "PROPN":
        # the holder of a role: a name set off by a comma anywhere in the phrase
        # (the source span may stop at the comma: the role's own appositive still counts)
        for t in root.subtree:
            if (start <= t.i < end or t.head.i == root.i) and t.dep_ == "appos" \
                    and _is_name(t) and t.i > root.i \
                    and any(doc[k].text == "," for k in range(root.i + 1, t.left_edge.i)):
                head = t
                break
    s = head.i
    for c in head.lefts:
        if c.dep_ in _HEAD_LEFT and c.left_edge.i >= start:
            s = min(s, c.left_edge.i)
    # a possessor's own words never lead the head ("Trump 's campaign manager")
    while s < head.i and (doc[s].dep_ in ("poss", "case") or doc[s].head.dep_ == "poss"
                          or any(a.dep_ == "poss" and a.i < head.i for a in doc[s].ancestors)):
        s += 1
    e = head.i + 1
    for c in head.rights:
        if c.dep_ in _HEAD_RIGHT and c.i == e and c.right_edge.i < end:
            e = c.right_edge.i + 1
    if head is not root:
        return s, e
    return max(s, start), min(e, end)

"""Coreference pass: surnames, definite titles and pronouns joined to the actors they name.

Written by hand because the coreference libraries (coreferee, fastcoref) need model
downloads that cannot happen here; it is deliberately small:
- full name ↔ surname, also when NER mislabels the surname (GPE/ORG) or misses it;
- a definite title phrase ("the spokesman") → the most recent person whose role has that
  title; "the ministry" → the most recent organisation named with that word; a plural
  title ("the officials") → the most recent group with that title;
- he/she/his/her → the closest person in the same or the two previous sentences,
  subjects first, never the subject of the same verb for an object pronoun, and never a
  person whose honorific/title or clear majority of pronouns says the other gender;
- they/their → a group that was a subject in the same or the previous sentence;
  its → the closest country/organisation in the same or the previous sentence.
Measured by hand on PolNeAR dev: 20 of 25 sampled he/she/his/her/him links right.
"""
from __future__ import annotations

from .drafts import POSSESSIVES, Draft, DraftTable, verb_of
from .lexicon import norm_name

_PRONOUNS_PERSON = {"he": "m", "him": "m", "his": "m", "himself": "m",
                    "she": "f", "her": "f", "hers": "f", "herself": "f"}
_PRONOUNS_GROUP = frozenset({"they", "them", "their", "themselves"})
_PRONOUNS_ORG = frozenset({"its"})
_PRONOUN_WINDOW_SENTS = 2


class CoreferencePass(DraftTable):
    """The coreference readers (mixed into the article reader, see ``resolve.py``)."""

    surnames: dict[str, str]

    def surname_index(self, persons) -> dict[str, str]:
        """Last name (and full name) → person key, from multi-word PERSON entities."""
        out: dict[str, str] = {}
        firsts: dict[str, set[str]] = {}
        for e in persons:
            toks = [t for t in e if not (t.dep_ == "case" or t.text in POSSESSIVES)]
            while toks and toks[0].lower_ in ("the", "mr", "mr.", "mrs", "mrs.", "ms", "ms.",
                                               "dr", "dr.", "sir"):
                toks.pop(0)
            if len(toks) >= 2:
                key = "p:" + norm_name(" ".join(t.text for t in toks))
                out.setdefault(norm_name(toks[-1].text), key)
                out[norm_name(" ".join(t.text for t in toks))] = key
                first = norm_name(toks[0].text)
                firsts.setdefault(first, set()).add(key)
        # a first name alone ("Hillary") names the one person of the article who has it
        for first, keys in firsts.items():
            if len(keys) == 1 and first not in out:
                out[first] = next(iter(keys))
        return out

    def read_bare_surnames(self) -> None:
        """A surname NER missed ("Price told reporters") joins the person it names."""
        for t in self.doc:
            if t.pos_ != "PROPN" or self.ent_type(t) or t.i in self.used:
                continue
            key = self.surnames.get(norm_name(t.text))
            if key and key in self.drafts and not self.lex.country_hint(t.text, self.published):
                self.mention(self.drafts[key], t.i, t.i + 1, None, t)

    def antecedent_for_title(self, t, head: str, kind: str) -> Draft | None:
        if kind == "person":
            return self.recent(t.idx, lambda d: d.kind == "person" and (
                head in d.title_heads or (d.role is not None and head in d.role.casefold())))
        return self.recent(t.idx, lambda d: d.kind == "organization" and (
            head in d.title_heads or any(head in n.casefold() for n in d.names)))

    def recent(self, before: int, pred) -> Draft | None:
        best, best_pos = None, -1
        for d in self.drafts.values():
            if not pred(d):
                continue
            pos = max((a[0] for a in d.anchors if a[0] < before), default=-1)
            if pos > best_pos:
                best, best_pos = d, pos
        return best

    def read_pronouns(self) -> None:
        for t in self.doc:
            low = t.lower_
            if t.pos_ != "PRON" and t.tag_ not in ("PRP", "PRP$"):
                continue
            if low in _PRONOUNS_PERSON:
                gender = _PRONOUNS_PERSON[low]
                d = self.pronoun_antecedent(t, lambda d: d.kind == "person" and (
                    gender_of(d) in (None, gender)))
                if d is not None:         # "her" twice, then "he" cannot be the same person
                    d.pronoun_votes[gender] = d.pronoun_votes.get(gender, 0) + 1
            elif low in _PRONOUNS_GROUP:
                # plural antecedents are too easy to miss (most plural subjects are not
                # actors), so "they" only takes a group that was a subject
                d = self.pronoun_antecedent(t, lambda d: d.kind == "group", window=1,
                                            subjects_only=True)
            elif low in _PRONOUNS_ORG:
                d = self.pronoun_antecedent(
                    t, lambda d: d.kind in ("country", "organization"), window=1)
            else:
                continue
            if d is not None:
                self.mention(d, t.i, t.i + 1, None, t)

    def pronoun_antecedent(self, t, pred, window: int = _PRONOUN_WINDOW_SENTS,
                           subjects_only: bool = False) -> Draft | None:
        """Closest sentence first; within it a subject first, then the latest mention."""
        sent = self.sent_of[t.i]
        own_verb = verb_of(t)
        object_like = t.dep_ in ("dobj", "pobj", "iobj", "dative")
        best, best_score = None, None
        for d in self.drafts.values():
            if not pred(d):
                continue
            for pos, s, subj, verb in d.anchors:
                if pos >= t.idx or sent - s > window or (subjects_only and not subj):
                    continue
                if subj and verb == own_verb and object_like:
                    continue    # "Trump attacked him": not the subject of the same verb
                score = (s, subj, pos)
                if best_score is None or score > best_score:
                    best, best_score = d, score
        return best


def gender_of(d: Draft) -> str | None:
    """Known gender: an honorific or title, else a clear majority of resolved pronouns."""
    if d.gender:
        return d.gender
    m, f = d.pronoun_votes.get("m", 0), d.pronoun_votes.get("f", 0)
    if m >= f + 2:
        return "m"
    if f >= m + 2:
        return "f"
    return None

"""Near-duplicate signatures and the LSH index (no store, no models)."""
from __future__ import annotations

import random

import pytest

from conftest import earliest_or_most_similar, signatures_at_threshold
from eventwire import dedup
from eventwire.records import ArticleRecord, Outcome

_VOCAB = ("minister border talks envoy harbour treaty summit grain tariff ceasefire senate "
          "court militia refinery pipeline convoy drought vaccine census bridge").split()


def _story(seed: int, words: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_VOCAB) for _ in range(words)) + "."


def test_signature_bytes_round_trip():
    mh = dedup.signature(_story(1))
    data = dedup.to_bytes(mh)
    assert len(data) == dedup.NUM_PERM * 8
    back = dedup.from_bytes(data)
    assert back.jaccard(mh) == 1.0
    assert dedup.to_bytes(back) == data


def test_signature_is_deterministic_across_calls():
    assert dedup.to_bytes(dedup.signature(_story(2))) == dedup.to_bytes(dedup.signature(_story(2)))


def test_normalisation_ignores_case_punctuation_and_spacing():
    a = "The Minister said: talks resume on Monday, officials confirmed."
    b = "the minister said talks   resume on monday officials confirmed"
    assert dedup.shingles(a) == dedup.shingles(b)


def test_near_copy_scores_above_default_threshold_and_other_story_below():
    story = _story(3)
    copy = "LONDON (Wire) - " + story + " Reporting by a correspondent."
    other = _story(4)
    sig = dedup.signature(story)
    assert sig.jaccard(dedup.signature(copy)) >= 0.85
    assert sig.jaccard(dedup.signature(other)) < 0.3


def test_short_and_empty_texts():
    assert dedup.signature("   ...  ") is None
    assert dedup.shingles("two words") == {b"two words"}
    assert dedup.signature("two words").jaccard(dedup.signature("Two, words!")) == 1.0


def test_index_matches_honour_the_key_threshold_and_remove():
    idx = dedup.NearDuplicateIndex(0.85)
    story = _story(5)
    idx.add("orig", dedup.signature(story))
    idx.add("other", dedup.signature(_story(6)))
    copy_sig = dedup.signature(story + " One more closing line for the copy.")
    (hit,) = idx.matches("copy", copy_sig)
    assert hit[0] == "orig" and hit[1] >= 0.85
    assert list(idx.matches("orig", copy_sig)) == []  # an article never matches itself
    idx.remove("orig")
    assert "orig" not in idx and len(idx) == 1
    assert list(idx.matches("copy", copy_sig)) == []


def test_index_positions_follow_the_order_of_adding():
    idx = dedup.NearDuplicateIndex(0.85)
    sig = dedup.signature(_story(7))
    idx.add("b", sig)
    idx.add("a", sig)
    idx.add("a", dedup.signature(_story(8)))  # second add of a key keeps the first signature
    assert (idx.position("b"), idx.position("a")) == (0, 1)
    assert sorted(idx.matches("x", sig)) == [("a", 1.0), ("b", 1.0)]


def test_threshold_is_validated():
    with pytest.raises(ValueError, match="threshold"):
        dedup.NearDuplicateIndex(0.0)


def test_index_finds_every_pair_at_the_threshold():
    base = dedup.signature("The ministry said the border crossing would reopen on Monday "
                           "after talks between the two governments in the capital.")
    index = dedup.NearDuplicateIndex(0.85)
    index.add("base", base)
    for other in signatures_at_threshold(base, 300, seed=5):
        assert list(index.matches("other", other)) == [("base", float(other.jaccard(base)))]


def test_link_one_is_the_earliest_canonical_and_adds_new_canonicals():
    a, c, b = earliest_or_most_similar()
    sig = {k: dedup.signature(t) for k, t in zip("acb", (a, c, b))}
    index = dedup.NearDuplicateIndex(0.85)
    assert dedup.link_one(index, "a", sig["a"]) is None and "a" in index
    assert dedup.link_one(index, "c", sig["c"]) is None and "c" in index
    link = dedup.link_one(index, "b", sig["b"])
    assert link == dedup.Link("a", float(sig["b"].jaccard(sig["a"])))
    assert "b" not in index                            # a near-copy is never linked to
    assert dedup.link_one(index, "a", sig["a"]) is None  # the same id again: canonical


def test_pair_index_links_as_the_lsh_index_does():
    a, c, b = earliest_or_most_similar()
    sig = {k: dedup.signature(t) for k, t in zip("acb", (a, c, b))}
    pairs = [(x, y, float(sig[x].jaccard(sig[y]))) for x, y in (("a", "c"), ("a", "b"), ("c", "b"))]
    for order in ("acb", "cab", "bac", "bca"):
        lsh, by_pairs = dedup.NearDuplicateIndex(0.85), dedup.PairIndex(pairs, 0.85)
        assert ([dedup.link_one(lsh, k, sig[k]) for k in order]
                == [dedup.link_one(by_pairs, k, None) for k in order]), order


def test_link_near_duplicates_passes_what_it_does_not_decide():
    story = _story(9)
    ok = ArticleRecord(id="x1", source="x", text=story)
    copy = ArticleRecord(id="x2", source="y", text=story + " Updated.",
                         events=(), actors=())
    upstream = ArticleRecord(id="x3", source="z", text=story, duplicate_of="elsewhere")
    bad = ArticleRecord(id="x4", source="w", text="", outcome=Outcome("rejected", "empty"))
    index = dedup.NearDuplicateIndex(0.85)
    out = list(dedup.link_near_duplicates([ok, copy, upstream, bad], index))
    assert [o.record.duplicate_of for o in out] == [None, "x1", "elsewhere", None]
    assert out[1].similarity >= 0.85 and out[0].similarity is None and out[2].similarity is None
    assert out[0].signature == dedup.to_bytes(dedup.signature(story)) and out[3].signature is None
    assert list(index.matches("q", dedup.signature(story))) == [("x1", 1.0)]


def test_the_pipeline_step_is_the_dedup_policy():
    from eventwire.pipeline import link_near_duplicates

    a, c, b = earliest_or_most_similar()
    recs = [ArticleRecord(id=i, source=i, text=t) for i, t in (("a", a), ("c", c), ("b", b))]
    out = list(link_near_duplicates(recs, dedup.NearDuplicateIndex(0.85)))
    assert [o.record.duplicate_of for o in out] == [None, None, "a"]

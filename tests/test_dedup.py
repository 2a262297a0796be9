"""Near-duplicate signatures and the LSH index (no store, no models)."""
from __future__ import annotations

import random

import pytest

from conftest import signatures_at_threshold
from eventwire import dedup

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


def test_index_finds_best_match_and_honours_exclude_and_remove():
    idx = dedup.NearDuplicateIndex(0.85)
    story = _story(5)
    idx.add("orig", dedup.signature(story))
    idx.add("other", dedup.signature(_story(6)))
    copy_sig = dedup.signature(story + " One more closing line for the copy.")
    hit = idx.find(copy_sig)
    assert hit is not None and hit[0] == "orig" and hit[1] >= 0.85
    assert idx.find(copy_sig, exclude="orig") is None
    idx.remove("orig")
    assert "orig" not in idx and len(idx) == 1
    assert idx.find(copy_sig) is None


def test_index_tie_goes_to_smallest_id():
    idx = dedup.NearDuplicateIndex(0.85)
    sig = dedup.signature(_story(7))
    idx.add("b", sig)
    idx.add("a", sig)
    idx.add("a", dedup.signature(_story(8)))  # second add of a key keeps the first signature
    assert idx.find(sig) == ("a", 1.0)


def test_threshold_is_validated():
    with pytest.raises(ValueError, match="threshold"):
        dedup.NearDuplicateIndex(0.0)


def test_index_finds_every_pair_at_the_threshold():
    base = dedup.signature("The ministry said the border crossing would reopen on Monday "
                           "after talks between the two governments in the capital.")
    index = dedup.NearDuplicateIndex(0.85)
    index.add("base", base)
    for other in signatures_at_threshold(base, 300, seed=5):
        assert index.find(other) == ("base", float(other.jaccard(base)))

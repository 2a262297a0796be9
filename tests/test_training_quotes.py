"""Quote-tagger training helpers that need no model: the held-out split."""
from __future__ import annotations

from eventwire.training.quotes import holdout_split


def test_holdout_is_a_fixed_tenth():
    train, held = holdout_split(840)
    assert len(held) == 84 and len(train) == 756
    assert not set(train) & set(held) and sorted(train + held) == list(range(840))
    assert holdout_split(840) == (train, held)  # the same tenth every time

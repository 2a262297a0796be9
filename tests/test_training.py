"""Training smoke runs (``-m train``, in an environment with the [train] extra): each fit
runs end to end on a small subset for a few steps, and what it writes loads and works
through the run-time code that ``extract`` uses."""
from __future__ import annotations

import json

import pytest
from conftest import require_shared

from eventwire.settings import Settings

pytestmark = [pytest.mark.train, pytest.mark.model]


def test_event_model_trains_exports_and_runs_on_onnxruntime(tmp_path):
    pytest.importorskip("torch")
    settings = Settings()
    require_shared(settings.shared_dir / "data/plv/PLV_train.tsv")
    from eventwire.events.model import NONE, EventModel
    from eventwire.training.events import LABELS, train_events

    result = train_events(settings, seed=3, out=tmp_path, epochs=1, max_steps=3, limit=48,
                          holdout=0.25)
    assert result["examples"] == 48 and result["held_out"] > 0
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["labels"] == list(LABELS) and meta["held_out"]["n"] == result["held_out"]
    model = EventModel(tmp_path)
    preds = model.predict(["[unused1] Turkey [unused2] [unused5] condemned [unused6] "
                           "[unused3] Greece [unused4] .", "The weather was mild ."])
    assert len(preds) == 2
    for p in preds:
        assert set(p.probs) == set(LABELS) and abs(sum(p.probs.values()) - 1) < 1e-3
        assert p.best_event()[0] != NONE


def test_event_training_data_is_well_formed():
    """The hand-labelled candidates point into PolNeAR train and carry valid labels."""
    settings = Settings()
    require_shared(settings.shared_dir / "data/polnear/train/text")
    from eventwire.events.codebook import plover_table
    from eventwire.training.events import candidate_examples

    examples = candidate_examples(settings.shared_dir)
    assert len(examples) >= 2000
    types = set(plover_table()) | {"NONE"}
    for e in examples:
        assert e.extra["label"] in types
        assert e.trigger is not None and 0 <= e.trigger[0] < e.trigger[1] <= len(e.text)
        for span in (e.source, e.target):
            assert span is None or 0 <= span[0] < span[1] <= len(e.text)


def test_quote_crf_fits_a_few_articles_and_decodes(tmp_path):
    settings = Settings()
    require_shared(settings.shared_dir / "data/polnear/train/text")
    from eventwire.eval.polnear import read_split
    from eventwire.nlp import get_nlp
    from eventwire.quotes.tagger import CRF_PARAMS, CrfQuoteTagger
    from eventwire.training.quotes import _fit, _sequences

    data = read_split(settings.shared_dir / "data/polnear/train", limit=4)
    nlp = get_nlp(settings)
    docs = list(nlp.pipe(t for _, t, _ in data))
    xs, ys = _sequences(docs, [g for _, _, g in data])
    _fit(xs, ys, tmp_path / "t.crfsuite", {**CRF_PARAMS, "max_iterations": 5})
    tagger = CrfQuoteTagger(str(tmp_path / "t.crfsuite"))
    assert tagger.available
    assert isinstance(tagger.tag(docs[0], data[0][1]), list)

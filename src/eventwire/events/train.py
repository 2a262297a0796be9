"""Train the event classifier heads on a PLV TSV: k-fold CV scores, then fit on all and save.

Three heads: ``full`` and ``fast`` (logistic regression, ``classifier.py``) and ``tuned``
(MiniLM's top layers fine-tuned, ``finetune.py``). The reported CV score is the one of the
coder ``eventwire code`` and ``eval plv`` use: full and tuned probabilities averaged.
Reproducible: the fold split, the solver and the fine-tuning (torch seed per fold, fixed
batch order) take the seed, so the same data and seed give the same weights and scores.
Features (parse, lexicon, MiniLM) are built once and shared by the CV folds and the heads.
"""
from __future__ import annotations

import time
from pathlib import Path

from ..eval.plv import read_plv, score
from ..settings import Settings
from .classifier import (BAG_WEIGHT, DEFAULT_C, HEADS, LEX_WEIGHT, cross_validate_proba,
                         default_model_dir, embeddings, featurize, fit, item_views)
from .codebook import plv_label
from .finetune import (TUNED_WEIGHT, combine, cross_validate_proba_tuned, fit_tuned,
                       item_triples)

FOLDS = 5


def train_event_model(data: Path, seed: int, out: Path | None, settings: Settings,
                      log=None) -> dict:
    """Train the three heads on ``data`` (PLV TSV), report 5-fold CV, write the weights.

    ``log`` is a rich Console (or anything with ``print``) for progress; None is silent.
    The returned ``cv_accuracy``/``cv_macro_f1`` are the combined coder's (full + tuned, the
    one ``eventwire code`` and ``eval plv`` use); ``heads`` has each head's own.
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
    oof = {}
    for head in HEADS:
        X = featurize(views, head, emb=emb)
        say(f"{head} head: {X.shape[1]} features; {FOLDS}-fold CV…")
        P, classes = cross_validate_proba(items, folds=FOLDS, seed=seed, settings=settings,
                                          X=X, head=head)
        oof[head] = (P, classes)
        cv = score(y, [classes[j] for j in P.argmax(axis=1)])
        clf = fit(X, y, seed=seed, head=head)
        clf.meta.update({"trained_on": Path(data).name, "n": len(items),
                         "cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
                         "cv_folds": FOLDS})
        clf.save(target)
        heads[head] = {"cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
                       "C": DEFAULT_C[head],
                       "per_label_f1": {k: v["f1"] for k, v in cv["per_label"].items()}}
        say(f"{head} head: CV accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}")
    say(f"tuned head: fine-tuning MiniLM's top layers, {FOLDS}-fold CV (minutes)…")
    P, classes = cross_validate_proba_tuned(items, folds=FOLDS, seed=seed)
    cv = score(y, [classes[j] for j in P.argmax(axis=1)])
    P_comb, order = combine(P, classes, *oof["full"])
    comb = score(y, [order[j] for j in P_comb.argmax(axis=1)])
    model = fit_tuned(item_triples(items), y, seed=seed)
    model.meta.update({"trained_on": Path(data).name, "n": len(items),
                       "cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
                       "combined_cv_accuracy": comb["accuracy"],
                       "combined_cv_macro_f1": comb["macro_f1"],
                       "tuned_weight": TUNED_WEIGHT, "cv_folds": FOLDS})
    model.save(target)
    heads["tuned"] = {"cv_accuracy": cv["accuracy"], "cv_macro_f1": cv["macro_f1"],
                      "per_label_f1": {k: v["f1"] for k, v in cv["per_label"].items()}}
    say(f"tuned head: CV accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}")
    say(f"coder (full + tuned, weight {TUNED_WEIGHT}): CV accuracy {comb['accuracy']:.3f}, "
        f"macro-F1 {comb['macro_f1']:.3f}")
    say(f"wrote {target} in {time.perf_counter() - t0:.0f} s")
    return {"data": str(data), "n": len(items), "seed": seed, "folds": FOLDS,
            "cv_accuracy": comb["accuracy"], "cv_macro_f1": comb["macro_f1"],
            "per_label_f1": {k: v["f1"] for k, v in comb["per_label"].items()},
            "tuned_weight": TUNED_WEIGHT,
            "lex_weight": LEX_WEIGHT, "bag_weight": BAG_WEIGHT, "out": str(target),
            "heads": heads}

"""Train the quote tagger (``eventwire train quotes``) and count the cue lexicon.

The CRF (``quotes/tagger.py``) is trained on PolNeAR v1.0.0 train, first annotator file per
article; reproducible for a fixed seed (the seed fixes the order of the training sequences;
L-BFGS itself is deterministic). The dev score is printed through the same quote stage the
pipeline runs.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from ..quotes.cues import cues_path, load_cues
from ..quotes.syntax import segments
from ..quotes.tagger import CRF_PARAMS, MODEL_FILE, CrfQuoteTagger, default_model_file, featurize
from ..settings import Settings

log_ = logging.getLogger(__name__)


def build_cue_lexicon(docs: Sequence, golds: Sequence, out: Path | None = None, min_count: int = 3) -> int:
    """Write ``cues.tsv`` from parsed train docs and their gold attributions; returns rows."""
    from collections import Counter

    cue_n: Counter = Counter()
    total: Counter = Counter()
    for doc, gold in zip(docs, golds):
        for t in doc:
            if not t.is_space and not t.is_punct:
                total[t.lemma_.lower()] += 1
        for g in gold:
            for s, e in g.cue_pieces:
                span = doc.char_span(s, e, alignment_mode="expand")
                for t in span or ():
                    if t.pos_ in ("VERB", "NOUN", "ADJ", "ADP", "ADV", "AUX") and not t.is_stop \
                            or t.lemma_.lower() in ("accord", "say", "tell", "call", "ask"):
                        cue_n[t.lemma_.lower()] += 1
    out = out or cues_path()
    rows = sorted(((lem, n, total[lem]) for lem, n in cue_n.items() if n >= min_count and total[lem]),
                  key=lambda r: (-r[1], r[0]))
    lines = ["# Cue lexicon: how often a lemma is (part of) an attribution cue.",
             "# source: counted by eventwire.training.quotes.build_cue_lexicon on PolNeAR v1.0.0 train "
             "(Newell, Margolin & Ruths 2018; first annotator file per article); "
             "table written for eventwire, MIT",
             "lemma\tcue_count\ttotal\trate"]
    lines += [f"{lem}\t{n}\t{tot}\t{min(1.0, n / tot):.4f}" for lem, n, tot in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_cues.cache_clear()
    return len(rows)


def token_labels(doc, gold: Sequence) -> list[str]:
    """BIO labels from gold attributions: outer content first, then cues, then sources
    (nested attributions inside a content stay content: one layer of labels)."""
    lab = ["O"] * len(doc)

    def mark(pieces, tag):
        for s, e in pieces:
            span = doc.char_span(s, e, alignment_mode="expand")
            if span is None:
                continue
            toks = [t.i for t in span if not t.is_space]
            if not toks or any(lab[i] != "O" for i in toks):
                continue
            for k, i in enumerate(toks):
                lab[i] = ("B-" if k == 0 else "I-") + tag

    for g in sorted(gold, key=lambda g: -(g.content[1] - g.content[0])):
        mark(g.content_pieces, "C")
    for g in gold:
        mark(g.cue_pieces, "Q")
    for g in gold:
        if g.source is not None:
            mark([g.source], "S")
    return lab


def _say(log: Any, msg: str) -> None:
    if log is None:
        log_.info(msg)
    elif hasattr(log, "print"):
        log.print(msg)
    else:
        log.info(msg)


def parsed_split(root: Path, settings: Settings, log: Any = None):
    """``(paths, texts, golds, docs)`` of a PolNeAR split, the parse cached under /tmp."""
    from spacy.tokens import DocBin

    from ..eval.polnear import read_split
    from ..nlp import get_nlp, resolve_model_name

    data = read_split(root)
    texts = [t for _, t, _ in data]
    model = resolve_model_name(settings.spacy_model)
    key = hashlib.sha256(("\0".join(texts) + model).encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"eventwire-polnear-{root.name}-{key}.spacy"
    nlp = get_nlp(settings)
    if cache.exists():
        docs = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
    else:
        _say(log, f"parsing {len(texts)} articles of {root} (cached at {cache}) …")
        docs = list(nlp.pipe(texts, batch_size=settings.batch_size))
        db = DocBin(store_user_data=False)
        for d in docs:
            db.add(d)
        db.to_disk(cache)
    return [p for p, _, _ in data], texts, [g for _, _, g in data], docs


def _sequences(docs, golds):
    xs, ys = [], []
    cues = load_cues()
    for doc, gold in zip(docs, golds):
        feats = featurize(doc, cues)
        labs = token_labels(doc, gold)
        for s, e in segments(doc):
            xs.append(feats[s:e])
            ys.append(labs[s:e])
    return xs, ys


def _fit(xs, ys, file: Path, params: dict) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for x, y in zip(xs, ys):
        trainer.append(x, y)
    trainer.set_params(params)
    trainer.train(str(file))


def score_with(tagger_path: Path, paths, texts, golds, docs, settings: Settings) -> dict:
    """PolNeAR metrics of the quote stage run with the tagger at ``tagger_path``."""
    from ..actors import resolve_actors
    from ..eval.polnear import Predicted, evaluate_predictions
    from ..quotes import attribute_quotes
    from ..records import CleanArticle, content_id

    tagger = CrfQuoteTagger(str(tagger_path))
    items = []
    for p, text, gold, doc in zip(paths, texts, golds, docs):
        art = CleanArticle(id=content_id(text), source=str(p), text=text)
        qs = attribute_quotes(doc, art, resolve_actors(doc, art), settings, tagger)
        items.append(([Predicted.from_quote(q) for q in qs], gold))
    return evaluate_predictions(items)


# the held-out tenth of train every setting of the stage is tuned on (dev is for reports)
HOLDOUT_SEED = 13


def holdout_split(n: int, seed: int = HOLDOUT_SEED) -> tuple[list[int], list[int]]:
    """``(train, held_out)`` article indices: a fixed random tenth of train held out."""
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    k = n // 10
    return sorted(idx[k:]), sorted(idx[:k])


def _headline(r: dict) -> dict:
    return {"content_f1": r["content"]["f1"], "strict_linked_f1": r["strict_linked"]["f1"],
            "linked_f1": r["linked"]["f1"], "strict_source_accuracy": r["strict_source_accuracy"]}


def train_quote_model(data_root: Path, seed: int = 13, out: Path | None = None,
                      settings: Settings | None = None, log: Any = None,
                      holdout: bool = False, lexicons: bool = False) -> dict:
    """Train the CRF on ``data_root/train``, write it to ``out`` (default: the package's
    ``models/quotes``) with its metadata, and return the PolNeAR dev scores.

    ``holdout``: train on nine tenths of train and score the held-out tenth instead of
    dev (the tuning loop; ``out`` should then be a scratch folder). ``lexicons``: first
    recount the cue lexicon from train (the shipped one is kept otherwise, so that the
    same seed gives the same weights)."""
    from ..nlp import resolve_model_name

    settings = settings or Settings.load()
    out = Path(out) if out else default_model_file().parent
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths, texts, golds, docs = parsed_split(Path(data_root) / "train", settings, log)
    if lexicons:
        _say(log, f"cue lexicon: {build_cue_lexicon(docs, golds)} lemmas")
    chosen = list(range(len(docs)))
    held: list[int] = []
    if holdout:
        chosen, held = holdout_split(len(docs))
    order = list(chosen)
    random.Random(seed).shuffle(order)  # the order sequences are appended in
    result: dict[str, Any] = {"seed": seed, "train_articles": len(order), "params": CRF_PARAMS}
    _say(log, "featurising …")
    xs, ys = _sequences([docs[i] for i in order], [golds[i] for i in order])
    _say(log, f"training on {len(order)} of {len(docs)} train articles …")
    partial = out / (MODEL_FILE + ".part")
    _fit(xs, ys, partial, CRF_PARAMS)
    partial.replace(out / MODEL_FILE)  # readers never see a half-written file
    dev = Path(data_root) / "dev"
    if holdout:
        result["held_out"] = score_with(out / MODEL_FILE, *([x[i] for i in held] for x in
                                                             (paths, texts, golds, docs)),
                                        settings)
        _say(log, f"held-out tenth of train: {json.dumps(_headline(result['held_out']))}")
    elif (dev / "text").is_dir():
        dp, dt_, dg, dd = parsed_split(dev, settings, log)
        result["dev"] = score_with(out / MODEL_FILE, dp, dt_, dg, dd, settings)
        _say(log, f"dev: {json.dumps(_headline(result['dev']))}")
    result["seconds"] = round(time.perf_counter() - t0, 1)
    meta = {"model": "linear-chain CRF (python-crfsuite, L-BFGS)", "labels": "BIO over C/S/Q",
            "training_data": "PolNeAR v1.0.0 train (Newell, Margolin & Ruths 2018), "
                             "first annotator file per article",
            "seed": seed, "params": CRF_PARAMS, "cue_lexicon": "knowledge/cues.tsv",
            "spacy_model": resolve_model_name(settings.spacy_model),
            "decoding": "round 3 decoding rules (sentence cut, coordinated-cue and participle "
                        "split, split quotes over long attributions, speaker = head of the "
                        "source phrase, continuation paragraphs joined, titles dropped)",
            "held_out": result.get("held_out"), "dev": result.get("dev")}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return result

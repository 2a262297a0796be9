"""The event model at run time: marked candidates → PLV label or NONE, on onnxruntime.

The shipped model (``models/events/``: ``event_model.onnx``, ``tokenizer.json``,
``meta.json``) is all-MiniLM-L6-v2 fine-tuned by ``eventwire train events`` on PLV's
sentences (each with its dyad marked) and on hand-labelled candidates from PolNeAR train,
most of them NONE; see ``training/events.py`` for the data and the scores. It is exported to
ONNX and quantised to int8. One ONNX session is shared by every thread of a process
(onnxruntime's ``run`` is thread-safe); it runs on one intra-op thread because eventwire
parallelises over processes.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from .encoding import MAX_LEN, batch_arrays, encode, load_tokenizer

log = logging.getLogger(__name__)

NONE = "NONE"
BATCH = 32


class ModelMissing(RuntimeError):
    """The event model files are not installed."""


@dataclass(frozen=True)
class Prediction:
    label: str                 # a PLV label, or NONE
    confidence: float          # probability of ``label``
    probs: dict[str, float]

    def best_event(self) -> tuple[str, float]:
        """The most probable PLV label other than NONE (the forced choice of ``code``),
        renormalised over the event labels."""
        events = {k: v for k, v in self.probs.items() if k != NONE}
        total = sum(events.values()) or 1.0
        label = max(events, key=events.get)
        return label, events[label] / total


def default_model_dir() -> Path:
    return Path(str(resources.files("eventwire").joinpath("models", "events")))


class EventModel:
    """A loaded event model; ``predict`` is safe to call from several threads."""

    def __init__(self, model_dir: Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        d = Path(model_dir or default_model_dir())
        onnx_file = d / "event_model.onnx"
        if not onnx_file.is_file():
            raise ModelMissing(f"no event model in {d} — run `eventwire train events` "
                               "(needs the [train] extra) or reinstall eventwire")
        self.meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        self.labels: list[str] = list(self.meta["labels"])
        self.max_len = int(self.meta.get("max_len", MAX_LEN))
        # a candidate is an event when its NONE probability is under this bound
        self.none_threshold = float(self.meta.get("none_threshold", 0.5))
        self.tokenizer = load_tokenizer(str(d / "tokenizer.json"))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), opts,
                                            providers=["CPUExecutionProvider"])
        self._tok_lock = threading.Lock()  # a Tokenizer is not documented as thread-safe

    def predict(self, marked: Sequence[str]) -> list[Prediction]:
        """One prediction per marked text (see ``encoding.mark``), batched by length."""
        if not marked:
            return []
        with self._tok_lock:
            encoded = encode(self.tokenizer, marked, self.max_len)
        order = sorted(range(len(encoded)), key=lambda k: len(encoded[k].ids))
        probs = np.zeros((len(encoded), len(self.labels)), dtype=np.float32)
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            ids, mask, pos = batch_arrays([encoded[k] for k in idx])
            logits = self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask,
                                                   "positions": pos})[0]
            z = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs[idx] = z / z.sum(axis=1, keepdims=True)
        out = []
        for row in probs:
            k = int(row.argmax())
            out.append(Prediction(self.labels[k], float(row[k]),
                                  {lab: float(p) for lab, p in zip(self.labels, row)}))
        return out


@lru_cache(maxsize=2)
def load_event_model(model_dir: str | None = None) -> EventModel:
    return EventModel(Path(model_dir) if model_dir else None)

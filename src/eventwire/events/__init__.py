"""Events: PLOVER/CAMEO coding of who did what to whom, with Goldstein, sides, modality, date.

``code_events`` is the pipeline stage (see ``coder.py``); ``coding.code_tsv`` codes single
sentences for ``eventwire code``; ``train.train_event_model`` trains the classifier.
"""
from __future__ import annotations

from .coder import code_events

__all__ = ["code_events"]

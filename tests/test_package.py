"""The package's import-time behaviour: spaCy's processes stay free of torch."""
from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import sys
import eventwire, spacy
spacy.blank("en")("A short text.")
print("torch loaded:", "torch" in sys.modules)
import torch  # still importable for the MiniLM encoder
print("torch works:", float(torch.ones(2).sum()))
"""


def _probe(**env: str) -> str:
    full = {k: v for k, v in os.environ.items() if k != "EVENTWIRE_THINC_TORCH"} | env
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         env=full, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_spacy_imported_after_eventwire_does_not_load_torch():
    out = _probe()
    assert "torch loaded: False" in out
    assert "torch works: 2.0" in out


def test_thinc_torch_support_can_be_kept():
    assert "torch loaded: True" in _probe(EVENTWIRE_THINC_TORCH="1")

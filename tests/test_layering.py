"""The package's layers, checked on its syntax trees: every import (module level or inside a
function) of every module under ``src/eventwire`` is resolved and held to the rules of
DEVELOPERS.md. A violation fails with the offending module and import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "eventwire"

BASE = {"records", "settings", "registry", "limits", "layout", "nlp", "dedup", "wordlists",
        "__init__"}
STAGES = {"ingest", "clean", "actors", "dates", "quotes", "events"}
ABOVE_STAGES = {"pipeline", "store", "training", "eval", "runners", "cli", "web"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every eventwire import in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("eventwire")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("eventwire"):
                continue
            out.append((node.lineno, mod))
            # "from . import x" / "from .events import coder": submodules count too
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names
                    if (PKG.parent / f"{mod}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                    or (PKG.parent / f"{mod}.{a.name}".replace(".", "/")).is_dir()]
    return out


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _edges():
    for path in sorted(PKG.rglob("*.py")):
        src = _module_name(path)
        for line, dst in _imports(path):
            yield path, line, src, dst


def _violations() -> list[str]:
    bad = []
    for path, line, src, dst in _edges():
        s, d = _top(src), _top(dst)
        if s == d:
            continue
        where = f"{path.relative_to(PKG.parent)}:{line} imports {dst}"
        if s in STAGES | BASE - {"__init__"} and d in ABOVE_STAGES:  # the root is the API facade
            bad.append(f"a stage or base module reaches up: {where}")
        if s in BASE - {"__init__"} and d in STAGES:
            bad.append(f"a base module imports a stage: {where}")
        if s == "store" and d in STAGES | {"nlp", "pipeline"}:
            bad.append(f"the store knows NLP: {where}")
        if s == "eval" and d == "training":
            bad.append(f"evaluation imports training: {where}")
        if d in {"cli", "web"} and s not in {"cli", "web"}:
            bad.append(f"something imports the CLI or the web app: {where}")
        if s == "web" and d == "cli":
            bad.append(f"the web app imports the CLI: {where}")
    return bad


def _cycles() -> list[list[str]]:
    """Cycles between top-level parts of the package (a part's own modules aside)."""
    graph: dict[str, set[str]] = {}
    for _path, _line, src, dst in _edges():
        s, d = _top(src), _top(dst)
        if s != d and s != "__init__":
            graph.setdefault(s, set()).add(d)
    cycles, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cycles.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return cycles


def test_no_stage_imports_training_or_eval_and_the_layers_hold():
    assert _violations() == []


def test_no_import_cycles_between_parts():
    assert _cycles() == []


def test_the_checker_catches_a_violation(tmp_path, monkeypatch):
    """The layering check itself fails on a stage that imports training."""
    fake = tmp_path / "eventwire"
    (fake / "events").mkdir(parents=True)
    (fake / "training").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "events" / "__init__.py").write_text("")
    (fake / "training" / "__init__.py").write_text("")
    (fake / "events" / "bad.py").write_text("def f():\n    from ..training import events\n")
    (fake / "training" / "events.py").write_text("from ..events import bad\n")
    monkeypatch.setattr(__import__(__name__), "PKG", fake)
    assert any("events/bad.py:2" in v for v in _violations())
    assert _cycles() == [["events", "training", "events"]]


@pytest.mark.model
def test_extract_and_code_run_with_torch_unimportable(tmp_path):
    """Inference needs no torch: with torch, transformers and sentence-transformers made
    unimportable, a whole article and a single sentence are still coded."""
    import subprocess
    import sys

    tsv = tmp_path / "s.tsv"
    tsv.write_text("sentence\tsource\ttarget\nTurkey condemned Greece.\tTurkey\tGreece\n")
    code = (
        "import sys\n"
        "for m in ('torch', 'transformers', 'sentence_transformers'):\n"
        "    sys.modules[m] = None\n"
        "import eventwire\n"
        "from eventwire.events.coding import code_tsv\n"
        "from eventwire.pipeline import components\n"
        "from eventwire.settings import Settings\n"
        "rec = eventwire.extract('Turkey condemned Greece on Monday over the border. "
        "Ankara urged Athens to withdraw its troops, officials said.')\n"
        "s = Settings.load()\n"
        f"rows = list(code_tsv({str(tsv)!r}, s, components(s).event_coder))\n"
        "print(rec.outcome.status, len(rows), rows[0]['plover'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    status, n, plover = out.stdout.split()
    assert (status, n) == ("ok", "1") and plover != "None"

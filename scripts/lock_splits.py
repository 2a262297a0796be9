"""Draw the locked parts of every gold set, once, from a fixed seed.

The locked parts are test material: no rule, threshold or model setting is written from
their errors. Tune on the open rest; report the locked part first. Run once; the output
(``src/eventwire/eval/gold/locked.json``) is committed on its own before any tuning.

* ``plv``: 30 % of PLV_train's sentence ids. Locked for the actor gold
  (``PLV_train_actors.tsv``) and for event coding alike: the shipped event model never
  trains on them.
* ``polnear_events``: half of the 24 articles of ``dev_events.gold.json``.
* ``polnear_dev``: 30 % of the 84 PolNeAR dev articles, the ``polnear_events`` half
  included and the open half left out, so an article locked for one task is locked for
  all (quotes, actors, events) and an open one is open for all.
* ``polnear_actor_articles``: the 40 dev articles whose actors are hand-coded; their
  locked ones are those in ``polnear_dev`` (12 of 40).
"""
from __future__ import annotations

import csv
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261130
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "eventwire" / "eval" / "gold" / "locked.json"


def main(shared: Path) -> None:
    data = shared / "data"
    rng = random.Random(SEED)
    csv.field_size_limit(10_000_000)
    with open(data / "plv" / "PLV_train.tsv", encoding="utf-8", newline="") as f:
        ids = sorted({int(r["sentence_id"]) for r in csv.DictReader(f, delimiter="\t")})
    plv = sorted(rng.sample(ids, round(0.3 * len(ids))))

    gold = json.loads((data / "polnear" / "dev_events.gold.json").read_text(encoding="utf-8"))
    event_files = sorted(gold["articles"])
    ev_locked = sorted(rng.sample(event_files, len(event_files) // 2))

    dev_files = sorted(p.name for p in (data / "polnear" / "dev" / "text").glob("*.txt"))
    want = round(0.3 * len(dev_files))
    others = [f for f in dev_files if f not in set(event_files)]
    dev_locked = sorted(ev_locked + rng.sample(others, want - len(ev_locked)))

    # The articles whose actors are hand-coded (eval/gold/polnear_dev_actors.tsv): the 24
    # events-gold articles and 16 more open ones, so 12 of 40 (30 %) are locked.
    open_rest = [f for f in dev_files if f not in set(dev_locked) and f not in set(event_files)]
    actor_files = sorted(event_files + rng.sample(open_rest, 16))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({
        "_about": "Locked test parts of each gold set, drawn by scripts/lock_splits.py "
                  f"with seed {SEED}. Never tune on their errors; report them first.",
        "seed": SEED,
        "plv": plv,
        "polnear_events": ev_locked,
        "polnear_dev": dev_locked,
        "polnear_actor_articles": actor_files,
    }, indent=1)
    # one line per list of numbers
    text = re.sub(r"\[\s+([\d,\s]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"plv {len(plv)}/{len(ids)}, polnear_events {len(ev_locked)}/{len(event_files)}, "
          f"polnear_dev {len(dev_locked)}/{len(dev_files)} → {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared")

#!/usr/bin/env bash
# The run-time install carries no torch: the given venv has none, and a plain
# `pip install .` (no pins, no extras, as from a package index) resolves no torch and no
# nvidia-* package. Prints one line saying which check ran.
set -euo pipefail
venv="${1:-.venv}"
if "$venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)"; then
  echo "NO-TORCH OK: $venv has no torch"
else
  echo "NO-TORCH FAILED: $venv has torch installed" >&2
  exit 1
fi
report="$(mktemp)"
if "$venv/bin/pip" install --dry-run --ignore-installed --quiet --report "$report" . >/dev/null 2>&1; then
  bad=$("$venv/bin/python" - "$report" <<'PY'
import json, sys
names = [i["metadata"]["name"].lower() for i in json.load(open(sys.argv[1]))["install"]]
print(" ".join(n for n in names if n == "torch" or n.startswith("nvidia")))
PY
)
  if [ -n "$bad" ]; then
    echo "NO-TORCH FAILED: a plain install would pull: $bad" >&2
    exit 1
  fi
  echo "NO-TORCH OK: a plain 'pip install .' resolves no torch and no nvidia-* package"
else
  echo "NO-TORCH SKIPPED: pip could not resolve a dry-run install (no package index reachable)"
fi
rm -f "$report"

#!/usr/bin/env bash
# Dependency audit: pip-audit over the project's installed environment, failing on known
# vulnerabilities not in .ci/audit-allowlist.txt (one "ID  # reason" per line).
# pip-audit needs its advisory service (PyPI JSON API / OSV); where neither is reachable
# (an offline CI box) the audit says so and is skipped rather than passing silently.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${TMPDIR:-/tmp}/eventwire-audit-venv
[ -x "$venv/bin/pip-audit" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q pip-audit; } || {
  echo "audit: could not install pip-audit; skipped" >&2; exit 0; }

.venv/bin/pip freeze --exclude-editable | grep -v '^-e ' > "${TMPDIR:-/tmp}/eventwire-freeze.txt"
ignore=()
while read -r id _; do
  [ -n "$id" ] && [ "${id:0:1}" != "#" ] && ignore+=(--ignore-vuln "$id")
done < .ci/audit-allowlist.txt

out=$(timeout 300 "$venv/bin/pip-audit" -r "${TMPDIR:-/tmp}/eventwire-freeze.txt" --no-deps \
      --disable-pip --progress-spinner off "${ignore[@]}" 2>&1)
rc=$?
if grep -qE "could not be audited|ConnectionError|Failed to resolve|Max retries" <<<"$out" \
   && ! grep -qE "^Found [1-9]" <<<"$out"; then
  echo "audit: the vulnerability service is unreachable from this machine; audit skipped" >&2
  exit 0
fi
echo "$out"
exit $rc

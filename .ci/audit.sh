#!/usr/bin/env bash
# Dependency audit: pip-audit over the project's installed environment, failing on known
# vulnerabilities not in .ci/audit-allowlist.txt (one "ID  # reason" per line).
#
# It ends with one verdict line in the CI log, so a reader never has to guess whether the
# audit ran:
#   AUDIT OK: …             pip-audit ran; nothing known outside the allow-list (exit 0)
#   AUDIT FOUND: …          pip-audit ran and found vulnerabilities, listed above (exit 1)
#   AUDIT SKIPPED: <why>    the advisory service (PyPI's JSON API, which pip-audit queries)
#                           could not be reached or knew none of the packages, or pip-audit
#                           could not be installed: the audit did NOT run (exit 0, so an
#                           offline CI box still builds)
#   AUDIT ERROR: <why>      anything else (exit 2)
# EVENTWIRE_AUDIT_VENV: the environment to audit (default .venv);
# EVENTWIRE_AUDIT_SERVICE_URL: the URL probed before the audit (default PyPI's JSON API).
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=${TMPDIR:-/tmp}
tool=$tmp/eventwire-audit-venv
target=${EVENTWIRE_AUDIT_VENV:-.venv}
service=${EVENTWIRE_AUDIT_SERVICE_URL:-https://pypi.org/pypi/pip/json}

skip() { echo "AUDIT SKIPPED: $*"; exit 0; }
error() { echo "AUDIT ERROR: $*"; exit 2; }

[ -x "$target/bin/python" ] || error "no environment at $target to audit (create it first, as .ci/run does)"

# Probe the service first: offline, pip-audit would only print a traceback.
if ! why=$(python3 - "$service" <<'PY' 2>&1
import sys
import urllib.request

try:
    urllib.request.urlopen(sys.argv[1], timeout=15).read(1)
except Exception as e:  # noqa: BLE001 — any failure means: not reachable from here
    print(f"{type(e).__name__}: {e}")
    sys.exit(1)
PY
); then
  skip "cannot reach the advisory service at $service ($why)"
fi

if [ ! -x "$tool/bin/pip-audit" ]; then
  log=$tmp/eventwire-audit-install.log
  { python3 -m venv "$tool" && "$tool/bin/pip" install -q pip-audit; } >"$log" 2>&1 \
    || skip "could not install pip-audit ($(tail -n 1 "$log"))"
fi

freeze=$tmp/eventwire-freeze.txt
"$target/bin/python" -m pip freeze --exclude-editable | grep -v '^-e ' > "$freeze" \
  || error "could not list the packages of $target"
ignore=()
while read -r id _; do
  [ -n "$id" ] && [ "${id:0:1}" != "#" ] && ignore+=(--ignore-vuln "$id")
done < .ci/audit-allowlist.txt

out=$(timeout 300 "$tool/bin/pip-audit" -r "$freeze" --no-deps --disable-pip \
      --progress-spinner off "${ignore[@]}" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 124 ] && skip "pip-audit got no answer from the advisory service within 300 s"
network='ConnectionError|ConnectTimeout|ReadTimeout|Max retries|Failed to resolve|NameResolution|Temporary failure in name resolution|Network is unreachable|Connection refused'
if grep -qE "$network" <<<"$out" && ! grep -qE "^Found [1-9]" <<<"$out"; then
  skip "pip-audit lost the advisory service mid-run ($(grep -m1 -oE "$network" <<<"$out" | head -n 1))"
fi
packages=$(grep -c . "$freeze")
unaudited=$(grep -c "could not be audited" <<<"$out")
# A service that answers but knows none of the packages (a mirror without PyPI's JSON
# API, say) audits nothing: that is a skipped audit, not a clean one.
[ "$rc" -le 1 ] && [ "$unaudited" -ge "$packages" ] && ! grep -qE "^Found [1-9]" <<<"$out" \
  && skip "the advisory service answered but had data for none of the $packages packages (each 'could not be audited', listed above); nothing was audited"
audited="$((packages - unaudited)) of $packages packages audited against PyPI's advisories"
[ "$unaudited" -gt 0 ] && audited="$audited ($unaudited could not be audited, listed above)"
case $rc in
  0) echo "AUDIT OK: $audited; no known vulnerabilities outside .ci/audit-allowlist.txt" ;;
  1) found=$(grep -m1 -E '^Found [1-9]' <<<"$out") || error "pip-audit exited with 1 without a finding (its output is above)"
     echo "AUDIT FOUND: $found; $audited — upgrade, or add the ID with a reason to .ci/audit-allowlist.txt"
     exit 1 ;;
  *) error "pip-audit exited with $rc (its output is above)" ;;
esac

#!/bin/bash
# Installs what the HTML report's tests read the page with: Debian's `chromium` (headless,
# driven over its DevTools pipe) and `tidy` (the HTML checker), each only if missing.
#
#   scripts/report-tools.sh            # then `chromium` and `tidy` are on PATH
#
# Needs root and apt-get for the install. Exit codes: 0 both are there; 77 they cannot be
# installed here (not root, no apt-get, no package lists reachable), with the reason on
# standard error. The apt log goes to ${TMPDIR:-/tmp}/report-tools-apt.log.
set -euo pipefail

skip() { echo "report-tools: $*" >&2; exit 77; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v tidy >/dev/null 2>&1 || missing+=(tidy)
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || skip "${missing[*]} missing and no apt-get to install them"
[ "$(id -u)" -eq 0 ] || skip "${missing[*]} missing and not root, so apt-get cannot install them"

log="${TMPDIR:-/tmp}/report-tools-apt.log"
echo "report-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Only what is missing, without recommended packages: the install counts against CI's time.
# The package lists may be stale or absent: try first, update once if that fails.
if ! timeout 400 apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    timeout 300 apt-get update -q >>"$log" 2>&1 || skip "apt-get update failed (no network?); see $log"
    timeout 400 apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1 ||
        skip "apt-get install ${missing[*]} failed; see $log"
fi
for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool still missing after the install; see $log"
done

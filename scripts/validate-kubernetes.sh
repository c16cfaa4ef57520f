#!/bin/bash
# Checks Kubernetes manifests against the API schema offline, with the PyPI package
# kubernetes-validate (strict: a misspelt field is an error), installed into a virtual
# environment when it is not on PATH.
#
#   scripts/validate-kubernetes.sh VENV_DIR FILE...
#
# Exit codes: 0 every manifest is valid; 1 one is not; 77 the validator cannot be
# installed here (no python3 or no network), with the reason on standard error.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 VENV_DIR FILE..." >&2; exit 2; }
venv=$1
shift
skip() { echo "validate-kubernetes: $*" >&2; exit 77; }

if command -v kubernetes-validate >/dev/null 2>&1; then
    validate=kubernetes-validate
else
    validate="$venv/bin/kubernetes-validate"
    if [ ! -x "$validate" ]; then
        command -v python3 >/dev/null 2>&1 || skip "no python3 to install kubernetes-validate with"
        python3 -m venv "$venv" >/dev/null 2>&1 || skip "python3 -m venv failed (python3-venv missing?)"
        timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check kubernetes-validate \
            >"$venv/pip.log" 2>&1 || skip "pip install kubernetes-validate failed (no network?); see $venv/pip.log"
    fi
fi
exec "$validate" --strict --quiet "$@"

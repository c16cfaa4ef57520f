#!/bin/bash
# Runs a sharded optimize on a Kubernetes cluster, round by round: for each round, the
# Indexed Job of optimize-job.yaml and then the merge Job of optimize-merge-job.yaml, each
# with the round's number in its name and ROUND; the merge's log says whether the search
# is done (exit code 0: optimize.json written on the volume) or needs another round (4).
# Each round's runs depend on the rounds before, so the Jobs cannot be applied ahead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=${SCENARIO:-scenarios/starter.yaml}
KUBECTL=${KUBECTL:-kubectl}
"$KUBECTL" create configmap scalecost-scenario --from-file=starter.yaml="$scenario" \
    --dry-run=client -o yaml | "$KUBECTL" apply -f -
# The manifest of round $2 from the file $1 (written as round 0).
for_round() {
    sed -e "s/-round-0\$/-round-$2/" -e "s/value: \"0\" # ROUND/value: \"$2\" # ROUND/" "$1"
}
round=0
while :; do
    for_round "$here/optimize-job.yaml" "$round" | "$KUBECTL" apply -f -
    "$KUBECTL" wait --for=condition=complete --timeout=6h "job/scalecost-optimize-round-$round"
    for_round "$here/optimize-merge-job.yaml" "$round" | "$KUBECTL" apply -f -
    "$KUBECTL" wait --for=condition=complete --timeout=1h \
        "job/scalecost-optimize-merge-round-$round"
    code=$("$KUBECTL" logs "job/scalecost-optimize-merge-round-$round" |
        sed -n 's/^scalecost merge exit code \([0-9]*\)$/\1/p')
    case $code in
        0) echo "done after $((round + 1)) rounds: optimize.json on the scalecost-results volume" >&2
           exit 0 ;;
        4) round=$((round + 1)) ;;
        *) echo "the merge of round $round failed (exit code ${code:-unknown})" >&2; exit 1 ;;
    esac
done

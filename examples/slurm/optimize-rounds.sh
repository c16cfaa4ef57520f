#!/bin/bash
# Drives a sharded optimize on Slurm, round by round: submits the round's job array
# (optimize-array.sbatch) and waits for it, then its merge (optimize-merge.sbatch); the
# merge's exit code says whether the search is done (0: optimize.json written) or needs
# another round (4: state-R.json written for it). Each round's runs depend on the results
# of the rounds before, so the rounds cannot be submitted ahead as a chain of
# dependencies; this loop, on a login node (or in a small job of its own), waits instead.
#
#   SCALECOST=/path/to/scalecost SCENARIO=my.yaml examples/slurm/optimize-rounds.sh
#
# Run it from the folder the results should go to. SBATCH names the submit command
# (default sbatch; its --wait returns the job's exit code, the highest of an array's).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SBATCH=${SBATCH:-sbatch}
round=0
while :; do
    echo "round $round: shards" >&2
    "$SBATCH" --wait --export="ALL,ROUND=$round" "$here/optimize-array.sbatch" >/dev/null
    status=0
    "$SBATCH" --wait --export="ALL,ROUND=$round" "$here/optimize-merge.sbatch" >/dev/null \
        || status=$?
    case $status in
        0) echo "done after $((round + 1)) rounds: optimize.json" >&2; exit 0 ;;
        4) round=$((round + 1)) ;;
        *) echo "the merge of round $round failed (exit code $status)" >&2; exit "$status" ;;
    esac
done

#!/bin/bash
# Submits the sweep's job array and the merge job that waits for all of it to succeed.
# Run it from the folder the results should go to; it prints the merge job's id, and
# passes its arguments to the merge's sbatch (e.g. --wait to return when it is done).
#
#   SCALECOST=/path/to/scalecost SCENARIO=my.yaml examples/slurm/submit.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable "$here/sweep-array.sbatch")
# --parsable prints "JOBID" or "JOBID;CLUSTER".
array=${array%%;*}
echo "array job $array" >&2
sbatch --parsable --dependency="afterok:$array" "$@" "$here/merge.sbatch"

#!/bin/bash
# Runs the sharded sweep on a Kubernetes cluster: the scenario as a ConfigMap, the
# Indexed Job, a wait for every index to complete, then the merge Job. Kubernetes has no
# dependency between Jobs, so the wait is here (an Argo or Tekton pipeline can do it too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=${SCENARIO:-scenarios/starter.yaml}
kubectl create configmap scalecost-scenario --from-file=starter.yaml="$scenario" \
    --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f "$here/sweep-job.yaml"
kubectl wait --for=condition=complete --timeout=6h job/scalecost-sweep
kubectl apply -f "$here/merge-job.yaml"
kubectl wait --for=condition=complete --timeout=1h job/scalecost-merge
echo "merged: sweep.json on the scalecost-results volume" >&2

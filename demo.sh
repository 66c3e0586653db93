#!/usr/bin/env bash
# The main job on the embedded default store: a datastore file, a default IPPool, a few nodes and namespaces,
# addresses allocated for simulated pods on each node, and the result as `cninetctl ipam show --show-blocks`.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
ctl="$PWD/out/bin/cninetctl"
demo_dir="$PWD/.demo"
rm -rf "$demo_dir" && mkdir -p "$demo_dir"
export SQLITE_PATH="$demo_dir/cninet.db"

cat > "$demo_dir/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 192.168.0.0/16
  blockSize: 26
  natOutgoing: true
  nodeSelector: all()
  # Absent labels satisfy '!=' in Calico selectors: every namespace but team blue's.
  namespaceSelector: team != "blue"
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: team-blue-pool
spec:
  cidr: 10.77.0.0/24
  blockSize: 28
  namespaceSelector: team == "blue"
---
apiVersion: projectcalico.org/v3
kind: IPReservation
metadata:
  name: reserved-for-appliances
spec:
  reservedCIDRs: [192.168.0.0/26]
---
apiVersion: v1
kind: List
items:
  - {apiVersion: projectcalico.org/v3, kind: Node, metadata: {name: node-a, labels: {zone: east}}}
  - {apiVersion: projectcalico.org/v3, kind: Node, metadata: {name: node-b, labels: {zone: west}}}
  - {apiVersion: projectcalico.org/v3, kind: Node, metadata: {name: node-c, labels: {zone: west}}}
  - {apiVersion: v1, kind: Namespace, metadata: {name: default}}
  - {apiVersion: v1, kind: Namespace, metadata: {name: blue, labels: {team: blue}}}
YAML

echo "== datastore: $SQLITE_PATH"
"$ctl" apply -f "$demo_dir/cluster.yaml"
"$ctl" get ippool -o wide
echo "== allocating for simulated pods (one handle per pod, as the CNI plugin names them)"
pods_yaml="$demo_dir/pods.yaml"
: > "$pods_yaml"
allocate() { # node namespace pod
  local line ip
  line=$("$ctl" ipam assign --node "$1" --handle "k8s-pod-network.$2-$3" --namespace "$2" --pod "$3")
  ip=${line##* }
  printf '%-8s %-8s %-8s %s\n' "$1" "$2" "$3" "$ip"
  printf -- '---\n{apiVersion: v1, kind: Pod, metadata: {name: %s, namespace: %s}, spec: {nodeName: %s}, status: {podIP: "%s"}}\n' \
    "$3" "$2" "$1" "$ip" >> "$pods_yaml"
}
for node in node-a node-b node-c; do
  for i in 1 2 3 4; do allocate "$node" default "web-$node-$i"; done
done
for i in 1 2 3; do allocate node-b blue "api-$i"; done
"$ctl" apply -f "$pods_yaml" >/dev/null
echo "== one address in detail"
"$ctl" ipam show --ip="$(awk -F'"' '/web-node-a-1/ {print $2}' "$pods_yaml")"
echo "== utilization"
"$ctl" ipam show --show-blocks
"$ctl" ipam show --show-configuration
echo "== consistency: every address belongs to a live pod"
"$ctl" ipam check | tail -1
echo "== pod api-3 is deleted without a CNI DEL: ipam check finds the leak, release by handle reclaims it"
"$ctl" delete pod api-3 -n blue
"$ctl" ipam check -o "$demo_dir/report.json" | grep -A1 "not actually in use"
"$ctl" ipam release --handle k8s-pod-network.blue-api-3
"$ctl" ipam check | tail -1

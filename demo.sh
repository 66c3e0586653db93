#!/usr/bin/env bash
# The main job on the embedded default store: a node (a network namespace with an uplink), a datastore file with
# pools and namespaces, our plugins installed by `cninetctl install-cni`, and pods started the way kubelet starts them
# (the calico plugin executed with kubelet's CNI_ARGS, config on stdin), handing the work to the node agent cninet-node
# as a node runs it. It shows the pods' addresses, pings between
# pods and to the node, a lost pod reclaimed by CNI GC, and the pool usage before and after the pods are deleted.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
ctl="$PWD/out/bin/cninetctl"
demo_dir="$PWD/.demo"
rm -rf "$demo_dir" && mkdir -p "$demo_dir"
export SQLITE_PATH="$demo_dir/cninet.db"
node=node-a
node_ns="cninet-demo-$$-node"
node_ip=192.168.50.1
pods=()
agent=""

cleanup() {
  set +e
  [ -n "$agent" ] && kill "$agent" 2>/dev/null
  for pod in "${pods[@]}"; do ip netns del "cninet-demo-$$-$pod" 2>/dev/null; done
  ip netns del "$node_ns" 2>/dev/null
}
trap cleanup EXIT

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
  - {apiVersion: v1, kind: Namespace, metadata: {name: default}}
  - {apiVersion: v1, kind: Namespace, metadata: {name: blue, labels: {team: blue}}}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: pinned
      namespace: default
      annotations: {cni.projectcalico.org/ipAddrs: '["192.168.7.7"]'}
    spec: {nodeName: node-a}
YAML

echo "== datastore: $SQLITE_PATH"
"$ctl" apply -f "$demo_dir/cluster.yaml"
"$ctl" get ippool -o wide

echo "== the node: network namespace $node_ns, address $node_ip, an uplink with a default route (proxy ARP needs one)"
scripts/node-netns.sh "$node_ns" "$node_ip"

echo "== install-cni: the plugins and 10-calico.conflist, as Calico's install-cni lays them out"
"$ctl" install-cni --bin-dir "$demo_dir/cni-bin" --conf-dir "$demo_dir/net.d" --nodename "$node" --sqlite-path "$SQLITE_PATH"
# What a runtime sends on stdin: the conflist's plugin object with the list's name and cniVersion injected.
netconf=$(python3 - "$demo_dir/net.d/10-calico.conflist" "$demo_dir" <<'PY'
import json, sys
conflist = json.load(open(sys.argv[1]))
conf = dict(conflist["plugins"][0], name=conflist["name"], cniVersion=conflist["cniVersion"])
conf["log_file_path"] = sys.argv[2] + "/cni.log"
conf["ipam_lock_file"] = sys.argv[2] + "/ipam.lock"
print(json.dumps(conf))
PY
)

echo "== cninet-node, the node agent, in the node's namespace: the plugins hand it their invocations"
ip netns exec "$node_ns" "$PWD/out/bin/cninet-node" --cni-socket "$demo_dir/cni.sock" > "$demo_dir/agent.log" 2>&1 &
agent=$!
for _ in $(seq 100); do [ -S "$demo_dir/cni.sock" ] && break; sleep 0.1; done
cat "$demo_dir/agent.log"

cni() { # COMMAND namespace pod [netns]: the calico plugin as kubelet runs it, from the node's namespace
  local netns=${4-/run/netns/cninet-demo-$$-$3}
  ip netns exec "$node_ns" env CNI_COMMAND="$1" CNI_CONTAINERID="demo-$3" CNI_NETNS="$netns" CNI_IFNAME=eth0 \
    CNI_PATH="$demo_dir/cni-bin" CNINET_AGENT_SOCKET="$demo_dir/cni.sock" \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=$2;K8S_POD_NAME=$3;K8S_POD_INFRA_CONTAINER_ID=demo-$3;K8S_POD_UID=uid-$3" \
    "$demo_dir/cni-bin/calico" <<< "$netconf"
}
declare -A address
start_pod() { # namespace pod
  ip netns add "cninet-demo-$$-$2"
  pods+=("$2")
  ip -n "cninet-demo-$$-$2" link set lo up
  local result
  result=$(cni ADD "$1" "$2")
  address[$2]=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])' <<< "$result")
  printf '%-8s %-8s %-15s %s\n' "$1" "$2" "${address[$2]}" \
    "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["name"])' <<< "$result")"
}

echo "== pods started as kubelet starts them (namespace, pod, address, host veth)"
for pod in web-1 web-2 web-3; do start_pod default "$pod"; done
for pod in api-1 api-2; do start_pod blue "$pod"; done
start_pod default pinned
"$ctl" get workloadendpoint -A
"$ctl" ipam show --show-blocks

echo "== the plugin log: each ADD with the process that did it ([$agent] is cninet-node) and its time"
grep ' ADD ' "$demo_dir/cni.log" | cut -d' ' -f3-

echo "== inside pod web-1: its address and routes"
ip netns exec "cninet-demo-$$-web-1" ip -4 addr show eth0 | grep inet
ip netns exec "cninet-demo-$$-web-1" ip route
ping_from() { # pod target
  if ip netns exec "cninet-demo-$$-$1" ping -c1 -W2 "$2" >/dev/null; then echo "ping $1 -> $2: ok"; else echo "ping $1 -> $2: FAILED"; exit 1; fi
}
echo "== pod to pod, across pools, and pod to node"
ping_from web-1 "${address[web-2]}"
ping_from web-1 "${address[api-1]}"
ping_from api-2 "${address[pinned]}"
ping_from web-3 "$node_ip"

echo "== pod api-2's sandbox vanishes without a CNI DEL; CNI GC with the runtime's valid attachments reclaims it"
ip netns del "cninet-demo-$$-api-2"
valid=$(for pod in web-1 web-2 web-3 api-1 pinned; do printf '{"containerID":"demo-%s","ifname":"eth0"},' "$pod"; done)
gc_conf=$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]); c["cniVersion"]="1.1.0"; c["cni.dev/valid-attachments"]=json.loads(sys.argv[2]); print(json.dumps(c))' \
  "$netconf" "[${valid%,}]")
ip netns exec "$node_ns" env CNI_COMMAND=GC CNI_PATH="$demo_dir/cni-bin" "$demo_dir/cni-bin/calico" <<< "$gc_conf"
"$ctl" ipam show --ip="${address[api-2]}"

echo "== the pods are deleted (CNI DEL); the store, the node and the pools are clean again"
for pod in web-1 web-2 web-3; do cni DEL default "$pod"; done
cni DEL blue api-1
cni DEL blue api-2 ""
cni DEL default pinned
echo "host veths left on the node: $(ip -n "$node_ns" -o link show | grep -c ' cali' || true)"
"$ctl" get workloadendpoint -A
"$ctl" ipam show --show-blocks
"$ctl" ipam check | tail -1

# Sourced by containerd-run.sh and podman-run.sh: arguments, the work folder, the node namespace, the container's
# report, and the cleanup both need. The sourcing script sets RUNTIME (its name in messages) and TOOLS (commands it needs).
BIN_DIR=$(cd "${1:?usage: $0 BIN_DIR SQLITE_PATH NODENAME WORK_DIR}" && pwd)
SQLITE_PATH=$(realpath "${2:?SQLITE_PATH}")
NODENAME=${3:?NODENAME}
WORK_DIR=${4:?WORK_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
HOST=cninet-rt-$$-$RUNTIME            # the netns playing the node
NODE_IP=192.168.50.1                  # node address the pod pings
CNI_LOG=/var/log/calico/cni/cni.log   # log_file_path in the conflist install-cni writes
# What the container runs: its address, its routes, and a ping of the node.
PROBE="ip -4 addr show eth0; ip route; if ping -c1 -W3 $NODE_IP; then echo PING_NODE=ok; else echo PING_NODE=fail; fi"

die() { echo "$RUNTIME-run: FAIL: $*" >&2; exit 1; }
for f in calico calico-ipam cninet-cni cninetctl; do [[ -x $BIN_DIR/$f ]] || die "$BIN_DIR/$f missing"; done
[[ -f $SQLITE_PATH ]] || die "store $SQLITE_PATH missing (create it with cninetctl apply -f pool.yaml)"
for c in $TOOLS nsenter ip python3; do command -v "$c" >/dev/null || die "$c not installed"; done

WORK_CREATED=0; [[ -d $WORK_DIR ]] || WORK_CREATED=1
mkdir -p "$WORK_DIR"
D=$(mktemp -d "$(realpath "$WORK_DIR")/$RUNTIME.XXXXXX")
LOG_OFFSET=$(stat -c %s "$CNI_LOG" 2>/dev/null || echo 0)
CNI_CACHE_EXISTED=0; [[ -d /var/lib/cni ]] && CNI_CACHE_EXISTED=1   # libcni's result cache (not configurable here)

# The part of the cleanup both runtimes share, after each has stopped its own daemon or containers.
common_cleanup() {
    local rc=$1
    ip netns del "$HOST" 2>/dev/null
    (( CNI_CACHE_EXISTED )) || rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
    # Overlay and snapshot mounts must go before rm -rf descends into them.
    awk -v d="$D/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$D"
    (( WORK_CREATED )) && rmdir "$WORK_DIR" 2>/dev/null
    if (( rc != 0 )); then
        echo "$RUNTIME-run: new lines of $CNI_LOG:" >&2
        tail -c +$((LOG_OFFSET + 1)) "$CNI_LOG" 2>/dev/null | tail -n 40 >&2
    fi
}

# The machine-readable lines from the container's output; the container has exited, so the runtime's DEL has run and
# the host-side veth must be gone.
report() {
    local out=$1 pod_ip ping_node vethes
    pod_ip=$(sed -n 's/^ *inet \([0-9.]*\)\/.*/\1/p' <<<"$out" | head -n1)
    ping_node=$(sed -n 's/^PING_NODE=//p' <<<"$out" | tail -n1)
    vethes=$(ip -n "$HOST" -o link show | grep -c ' cali' || true)
    echo "POD_IP=${pod_ip}"
    echo "PING_NODE=${ping_node:-fail}"
    echo "HOST_VETHS_LEFT=$vethes"
    echo DONE
    [[ -n $pod_ip ]] || die "container had no IPv4 address on eth0"
    [[ $ping_node == ok ]] || die "container could not ping the node $NODE_IP"
    (( vethes == 0 )) || die "host veth left behind after DEL"
}

#!/usr/bin/env bash
# End-to-end: podman 4.3 with its CNI backend drives the calico/calico-ipam plugins
# (VERSION+ADD at start, VERSION+DEL when --rm tears the container down).
# Usage: podman-run.sh BIN_DIR SQLITE_PATH NODENAME WORK_DIR
#   BIN_DIR      holds calico, calico-ipam, cninetctl (copy them out of out/bin first: a rebuild may replace them)
#   SQLITE_PATH  an existing store with an IPPool (cninetctl apply -f pool.yaml)
# Stdout (machine-readable): POD_IP=<ipv4>, PING_NODE=ok|fail, HOST_VETHS_LEFT=<n>, DONE
# Exit 0 only if the pod got an address, pinged the node and its host veth was gone after DEL.
# No global config is touched: containers.conf, storage.conf, net.d and the plugin dir all live under WORK_DIR.
set -euo pipefail

BIN_DIR=$(cd "${1:?usage: $0 BIN_DIR SQLITE_PATH NODENAME WORK_DIR}" && pwd)
SQLITE_PATH=$(realpath "${2:?SQLITE_PATH}")
NODENAME=${3:?NODENAME}
WORK_DIR=${4:?WORK_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)

HOST=cninet-rt-$$-pod                 # the netns playing the node
NODE_IP=192.168.50.1                  # node address the pod pings
NETWORK=k8s-pod-network               # install-cni's default conflist "name"
NAME=cninet-rt-$$                     # container name
CNI_LOG=/var/log/calico/cni/cni.log   # log_file_path in the conflist install-cni writes

die() { echo "podman-run: FAIL: $*" >&2; exit 1; }
for f in calico calico-ipam cninetctl; do [[ -x $BIN_DIR/$f ]] || die "$BIN_DIR/$f missing"; done
[[ -f $SQLITE_PATH ]] || die "store $SQLITE_PATH missing (create it with cninetctl apply -f pool.yaml)"
for c in podman conmon runc nsenter ip python3; do command -v $c >/dev/null || die "$c not installed"; done

WORK_CREATED=0; [[ -d $WORK_DIR ]] || WORK_CREATED=1
mkdir -p "$WORK_DIR"
D=$(mktemp -d "$(realpath "$WORK_DIR")/podman.XXXXXX")
export CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf
# nsenter, not `ip netns exec`: the latter remounts /sys, hiding the cgroup mounts from runc.
PODMAN=(nsenter --net="/run/netns/$HOST" podman)
LOG_OFFSET=$(stat -c %s "$CNI_LOG" 2>/dev/null || echo 0)
CNI_CACHE_EXISTED=0; [[ -d /var/lib/cni ]] && CNI_CACHE_EXISTED=1   # libcni's result cache (not configurable here)

cleanup() {
    local rc=$?
    set +e
    if [[ -f $CONTAINERS_CONF ]] && ip netns list | grep -qw "$HOST"; then
        "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1
        "${PODMAN[@]}" system reset -f >/dev/null 2>&1
    fi
    # conmon (and a `podman container cleanup` it spawns) could outlive a failed run; ours name our private dir.
    for p in $(grep -lsF -- "$D" /proc/[0-9]*/cmdline | cut -d/ -f3); do
        [[ $p != $$ && $p != "$BASHPID" ]] && kill -9 "$p" 2>/dev/null
    done
    ip netns del "$HOST" 2>/dev/null
    (( CNI_CACHE_EXISTED )) || rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
    # The overlay driver bind-mounts its home; unmount everything under D before rm -rf descends into it.
    awk -v d="$D/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$D"
    (( WORK_CREATED )) && rmdir "$WORK_DIR" 2>/dev/null
    if (( rc != 0 )); then
        echo "podman-run: new lines of $CNI_LOG:" >&2
        tail -c +$((LOG_OFFSET + 1)) "$CNI_LOG" 2>/dev/null | tail -n 40 >&2
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The node: uplink with a default route so the calico host veth's proxy ARP answers for 169.254.1.1.
ip netns add "$HOST"
ip -n "$HOST" link set lo up
ip -n "$HOST" link add uplink0 type veth peer name uplink1
ip -n "$HOST" link set uplink0 up
ip -n "$HOST" link set uplink1 up
ip -n "$HOST" addr add 192.168.51.1/24 dev uplink0
ip -n "$HOST" route add default via 192.168.51.254 dev uplink0
ip -n "$HOST" addr add "$NODE_IP/32" dev lo
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1

"$HERE/busybox-image.sh" "$D" 2>/dev/null || die "busybox-image.sh failed"   # -> $D/rootfs

"$BIN_DIR/cninetctl" install-cni --bin-dir "$D/cni-bin" --conf-dir "$D/net.d" --source-dir "$BIN_DIR" \
    --nodename "$NODENAME" --sqlite-path "$SQLITE_PATH" >&2 || die "install-cni failed"

# No systemd here (cgroupfs, file events); root lacks CAP_SYS_RESOURCE, so podman's default rlimits must be lowered.
# File locks keep this instance off the host-wide /dev/shm/libpod_lock.
# podman drops NET_RAW: busybox ping falls back to an ICMP datagram socket, allowed by ping_group_range.
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
default_sysctls = ["net.ipv4.ping_group_range=0 0"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/events.log"
runtime = "runc"
lock_type = "file"
tmp_dir = "$D/tmp"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$D/cni-bin", "/usr/lib/cni"]
network_config_dir = "$D/net.d"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
runroot = "$D/runroot"
graphroot = "$D/graphroot"
EOF

"${PODMAN[@]}" network exists "$NETWORK" || die "podman does not see network $NETWORK in $D/net.d"

set +e
out=$(timeout 120 "${PODMAN[@]}" run --rm --name "$NAME" --network "$NETWORK" --rootfs "$D/rootfs" /bin/sh -c \
    "ip -4 addr show eth0; ip route; if ping -c1 -W3 $NODE_IP; then echo PING_NODE=ok; else echo PING_NODE=fail; fi" 2>&1)
run_rc=$?
set -e
sed 's/^/  container| /' <<<"$out" >&2
(( run_rc == 0 )) || die "podman run exited $run_rc"

pod_ip=$(sed -n 's/^ *inet \([0-9.]*\)\/.*/\1/p' <<<"$out" | head -n1)
ping_node=$(sed -n 's/^PING_NODE=//p' <<<"$out" | tail -n1)
echo "POD_IP=${pod_ip}"
echo "PING_NODE=${ping_node:-fail}"
# --rm has torn the network down (DEL): the host-side veth must be gone.
vethes=$(ip -n "$HOST" -o link show | grep -c ' cali' || true)
echo "HOST_VETHS_LEFT=$vethes"
echo DONE
[[ -n $pod_ip ]] || die "container had no IPv4 address on eth0"
[[ $ping_node == ok ]] || die "container could not ping the node $NODE_IP"
(( vethes == 0 )) || die "host veth left behind after DEL"

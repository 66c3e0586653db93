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

RUNTIME=podman
TOOLS="podman conmon runc"
source "$(dirname "$0")/common.sh"
NETWORK=k8s-pod-network               # install-cni's default conflist "name"
NAME=cninet-rt-$$                     # container name
export CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf
# nsenter, not `ip netns exec`: the latter remounts /sys, hiding the cgroup mounts from runc.
PODMAN=(nsenter --net="/run/netns/$HOST" podman)

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
    common_cleanup "$rc"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$HERE/../../scripts/node-netns.sh" "$HOST" "$NODE_IP"

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
    "$PROBE" 2>&1)
run_rc=$?
set -e
sed 's/^/  container| /' <<<"$out" >&2
(( run_rc == 0 )) || die "podman run exited $run_rc"

report "$out"

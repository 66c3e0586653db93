#!/usr/bin/env bash
# End-to-end: containerd 1.6 `ctr run --cni` drives the calico/calico-ipam plugins (ADD on start, DEL on --rm).
# Usage: containerd-run.sh BIN_DIR SQLITE_PATH NODENAME WORK_DIR
#   BIN_DIR      holds calico, calico-ipam, cninetctl (copy them out of out/bin first: a rebuild may replace them)
#   SQLITE_PATH  an existing store with an IPPool (cninetctl apply -f pool.yaml)
# Stdout (machine-readable): POD_IP=<ipv4>, PING_NODE=ok|fail, HOST_VETHS_LEFT=<n>, DONE
# Exit 0 only if the pod got an address, pinged the node and its host veth was gone after DEL.
# Global side effects: writes /etc/cni/net.d/10-calico.conflist (removed, or the previous one restored, on exit)
# and /opt/cni/bin/{calico,calico-ipam,cninet-cni} (left in place). Everything else lives in a netns and under WORK_DIR.
set -euo pipefail

RUNTIME=ctr
TOOLS="containerd ctr runc"
source "$(dirname "$0")/common.sh"
NS=cninet-rt                          # containerd namespace
ID=rt-$$                              # container id (CNI_CONTAINERID=$NS-$ID)
IMAGE=cninet.local/busybox:latest
CONF_DIR=/etc/cni/net.d
CONFLIST=$CONF_DIR/10-calico.conflist
SOCK=$D/containerd.sock
(( ${#SOCK} < 100 )) || die "socket path $SOCK too long for a unix socket; use a shorter WORK_DIR"
CTR=(ctr -a "$SOCK" -n "$NS")
CONTAINERD_PID=
RUN_DIR_EXISTED=0; [[ -d /run/containerd ]] && RUN_DIR_EXISTED=1   # shim sockets always go to /run/containerd/s

cleanup() {
    local rc=$?
    set +e
    if [[ -n $CONTAINERD_PID ]]; then
        # A failed ADD leaves the container CREATED (and its shim running): remove it before the daemon goes.
        if "${CTR[@]}" task ls -q 2>/dev/null | grep -qx "$ID"; then
            "${CTR[@]}" task kill -s SIGKILL "$ID" >/dev/null 2>&1; sleep 0.5
            "${CTR[@]}" task delete -f "$ID" >/dev/null 2>&1
        fi
        "${CTR[@]}" container delete "$ID" >/dev/null 2>&1
        kill "$CONTAINERD_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$CONTAINERD_PID" 2>/dev/null
        # Shims outlive the daemon by design; ours are the ones naming our (unique) socket.
        for p in $(grep -lsF -- "$SOCK" /proc/[0-9]*/cmdline | cut -d/ -f3); do kill -9 "$p" 2>/dev/null; done
    fi
    if [[ -f $D/conflist.backup ]]; then mv -f "$D/conflist.backup" "$CONFLIST"
    elif [[ -f $D/conflist.ours ]]; then rm -f "$CONFLIST"; fi
    (( RUN_DIR_EXISTED )) || rmdir /run/containerd/s /run/containerd 2>/dev/null
    common_cleanup "$rc"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$HERE/../../scripts/node-netns.sh" "$HOST" "$NODE_IP"

"$HERE/busybox-image.sh" "$D/image" 2>/dev/null || die "busybox-image.sh failed"

# Private daemon; CRI off (it would want its own CNI setup), overlayfs snapshotter.
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
EOF
# nsenter, not `ip netns exec`: the latter remounts /sys and runc would lose the cgroup mounts.
nsenter --net="/run/netns/$HOST" containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
CONTAINERD_PID=$!
for _ in $(seq 100); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
"${CTR[@]}" version >/dev/null 2>&1 || { tail -n 20 "$D/containerd.log" >&2; die "containerd did not start"; }

# install-cni; keep a pre-existing conflist to restore it on exit.
[[ -f $CONFLIST ]] && cp -p "$CONFLIST" "$D/conflist.backup"
touch "$D/conflist.ours"
"$BIN_DIR/cninetctl" install-cni --bin-dir /opt/cni/bin --conf-dir "$CONF_DIR" --source-dir "$BIN_DIR" \
    --nodename "$NODENAME" --sqlite-path "$SQLITE_PATH" >&2 || die "install-cni failed"
first=$(ls "$CONF_DIR" | LC_ALL=C sort | head -n1)
[[ $first == 10-calico.conflist ]] || die "$CONF_DIR/$first sorts before 10-calico.conflist: ctr would use it"

"${CTR[@]}" images import --base-name cninet.local/busybox "$D/image/busybox-oci.tar" >&2 || die "image import failed"

# ctr must run in the node netns: it invokes the plugins itself (ADD with /proc/PID/ns/net, DEL with empty netns).
set +e
out=$(timeout 120 ip netns exec "$HOST" "${CTR[@]}" run --cni --rm --snapshotter overlayfs \
    --fifo-dir "$D/fifo" --runc-root "$D/runc" "$IMAGE" "$ID" \
    sh -c "$PROBE" 2>&1)
run_rc=$?
set -e
sed 's/^/  container| /' <<<"$out" >&2
(( run_rc == 0 )) || { tail -n 20 "$D/containerd.log" >&2; die "ctr run --cni exited $run_rc"; }

report "$out"

#!/usr/bin/env bash
# Installs what the build and tests need on a fresh Debian 12 machine with the .NET SDK (idempotent).
#   build: clang and zlib for Native AOT
#   tests and demo: iproute2 and ping in network namespaces; nft for Felix's nftables dataplane; the real runtimes that drive our plugins (containerd +
#   runc, podman with its CNI backend), Debian's reference CNI plugins (ptp, host-local) and a static busybox for images;
#   etcd for the etcdv3 backend's tests, which start their own members on private loopback ports
#   BIRD 2 for the BGP speaker's interop tests, which start their own BIRD in test namespaces (never the service)
set -euo pipefail
need=()
command -v clang >/dev/null || need+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
command -v python3 >/dev/null || need+=(python3)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v nsenter >/dev/null || need+=(util-linux)
command -v nft >/dev/null || need+=(nftables)
command -v curl >/dev/null || need+=(curl)
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
command -v podman >/dev/null || need+=(podman conmon catatonit golang-github-containers-common iptables)
[ -x /usr/lib/cni/ptp ] || need+=(containernetworking-plugins)
command -v etcd >/dev/null || need+=(etcd-server)
command -v bird >/dev/null || need+=(bird2)
[ -x /bin/busybox ] && busybox --list | grep -qx ip || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The package enables a BIRD service in the host's namespace; the tests want only their own.
  if [[ " ${need[*]} " == *" bird2 "* ]] && [ -d /run/systemd/system ]; then systemctl disable --now bird.service >/dev/null 2>&1 || true; fi
fi
command -v dotnet >/dev/null || { echo "the .NET SDK is required (dotnet on PATH)" >&2; exit 1; }

#!/usr/bin/env bash
# bench/run.sh NAME [ARGS]: runs one benchmark; it prints medians and ends with one JSON line.
#   ipam-throughput [--allocs N] [--rounds N] [--concurrency N]
#   ipam-scale [--nodes N] [--pods-per-node N] [--workers N] [--at-once N]
#   cni-latency [--pairs N]          (root; our AOT plugins against Debian's ptp + host-local)
#   etcd-contention [--nodes N] [--pods-per-node N] [--rounds N]   (starts a private etcd on loopback: /usr/bin/etcd)
#   felix-update [--endpoints N] [--rules N] [--rounds N] [--executor netlink|library|process] [--ipv6 on|off]   (root; the nftables dataplane in a node namespace)
#   bgp-convergence [--prefixes N]   (root; BIRD 2 in network namespaces on a bridge)
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: bench/run.sh NAME [ARGS]}"
case "$name" in
  ipam-throughput|ipam-scale) ;;
  etcd-contention) [ -x /usr/bin/etcd ] || scripts/install-deps.sh ;;
  felix-update)
    command -v nft >/dev/null || scripts/install-deps.sh
    # cninet-node runs the dataplane Native-AOT, fully optimised from its first call; without this the JIT's first
    # tier (unoptimised code) would be measured in the full program, which runs each code path about once. It also runs
    # with the runtime's default background GC, which the bench project turns off for the IPAM benchmarks.
    export DOTNET_TieredCompilation=0 DOTNET_gcConcurrent=1 ;;
  bgp-convergence) command -v bird >/dev/null || scripts/install-deps.sh ;;
  cni-latency)
    scripts/install-deps.sh
    scripts/build.sh
    export CNINET_BIN="$PWD/out/bin" ;;
  *) echo "unknown benchmark: $name (ipam-throughput, ipam-scale, cni-latency, etcd-contention, felix-update, bgp-convergence)" >&2; exit 2 ;;
esac
dotnet build bench/Bench/Bench.csproj -c Release -nologo -v quiet -o out/bench >/dev/null
exec dotnet out/bench/cninet-bench.dll "$@"

#!/usr/bin/env bash
# bench/run.sh NAME [ARGS]: runs one benchmark; it prints medians and ends with one JSON line.
#   ipam-throughput [--allocs N] [--rounds N]
#   ipam-scale [--nodes N] [--pods-per-node N] [--workers N]
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: bench/run.sh NAME [ARGS]}"
case "$name" in
  ipam-throughput|ipam-scale)
    dotnet build bench/IpamBench/IpamBench.csproj -c Release -nologo -v quiet -o out/bench >/dev/null
    exec dotnet out/bench/ipam-bench.dll "$@" ;;
  *) echo "unknown benchmark: $name (ipam-throughput, ipam-scale)" >&2; exit 2 ;;
esac

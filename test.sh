#!/usr/bin/env bash
# The whole test suite: installs what it needs, publishes the Native-AOT executables, runs every test project.
#   ./test.sh          everything that fits the CI budget
#   ./test.sh --full   also the long suites: every cyclonus case with real traffic (CNINET_FULL=1)
set -euo pipefail
cd "$(dirname "$0")"
[ "${1:-}" = --full ] && export CNINET_FULL=1
scripts/install-deps.sh
scripts/build.sh
export CNINET_BIN="$PWD/out/bin"
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in tests/property/Property.csproj tests/integration/Integration.csproj; do
  dotnet test "$project" -c Release -nologo -m:1 --logger "console;verbosity=minimal" 2>&1 | tee -a "$log" || status=1
done
# One closing line over every test project, in the plain form CI reads.
{ grep -oE 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" || true; } | awk -F'[:,]' \
  '{f += $2; p += $4; s += $6} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}'
exit $status

#!/usr/bin/env bash
# The whole test suite: installs what it needs, publishes the Native-AOT executables, runs every test project.
#   ./test.sh          everything that fits the CI budget
#   ./test.sh --full   also the long suites (none yet beyond the default)
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
export CNINET_BIN="$PWD/out/bin"
status=0
for project in tests/property/Property.csproj tests/integration/Integration.csproj; do
  dotnet test "$project" -c Release -nologo -m:1 --logger "console;verbosity=minimal" || status=1
done
exit $status

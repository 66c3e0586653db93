#!/usr/bin/env bash
# Publishes every Native-AOT executable into out/bin (one place for ./demo.sh, ./test.sh and bench/).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/bin
for project in src/Ctl/Ctl.csproj src/CniPlugin/CniPlugin.csproj src/IpamPlugin/IpamPlugin.csproj src/PluginRunner/PluginRunner.csproj src/Node/Node.csproj; do
  dotnet publish "$project" -c Release -o out/bin -nologo -v quiet -p:DebugType=none
done

#!/usr/bin/env bash
# Sets up what is missing, builds, and runs spicebox with the given arguments
# (none: the default built-in guest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/vmm/spicebox "$@"

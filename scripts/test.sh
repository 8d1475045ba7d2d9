#!/usr/bin/env bash
# Runs the test suite: installs the C libraries and osmem-server if missing, then swift test.
# Integration tests start osmem-server themselves on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps
swift test "$@"

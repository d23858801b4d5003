#!/usr/bin/env bash
# Runs every test on a fresh Debian/Ubuntu machine: installs the test peers (sipp,
# Kamailio, baresip, flite, sox), sets up and builds the workspace, then runs lint, the
# dependency-direction check, the unit tests and the interop tests against real peers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-peers.sh
bash scripts/setup.sh
mkdir -p .tmp
echo "== lint"
pnpm -s lint
echo "== typecheck (tests included)"
pnpm -s typecheck
echo "== unit tests"
unit_rc=0
pnpm -s exec vitest run --config vitest.config.ts --reporter=default --reporter=json --outputFile.json=.tmp/unit.json || unit_rc=$?
echo "== interop tests (real sipp, Kamailio, baresip on loopback)"
interop_rc=0
pnpm -s exec vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.tmp/interop.json || interop_rc=$?
node scripts/summarize-tests.mjs .tmp/unit.json .tmp/interop.json
[ "$unit_rc" -eq 0 ] && [ "$interop_rc" -eq 0 ]

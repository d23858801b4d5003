#!/usr/bin/env bash
# Sets up voice-assistant on a fresh Debian/Ubuntu machine with Node.js 20+:
# installs pnpm (through npm), the workspace dependencies (building @discordjs/opus from
# source), and compiles every package. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node=20
if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js ${need_node}+ is required (https://nodejs.org or your distribution's nodejs package)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt "$need_node" ]; then
  echo "setup: Node.js ${need_node}+ is required, found $(node --version)" >&2
  exit 1
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm with npm"
  # The lockfile is written by pnpm 12 (lockfile format 9.0).
  npm install -g "pnpm@12" >/dev/null
fi

# @discordjs/opus compiles libopus with node-gyp; point it at the Node headers installed
# with Node itself instead of downloading them.
if [ -z "${npm_config_nodedir:-}" ]; then
  for d in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
    if [ -f "$d/include/node/node.h" ]; then export npm_config_nodedir="$d"; break; fi
  done
fi
if ! command -v g++ >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
  echo "setup: a C++ toolchain is needed to build Opus (apt-get install -y build-essential python3)" >&2
fi

pnpm install --frozen-lockfile
pnpm build
echo "setup: done. Start the daemon with: pnpm start"

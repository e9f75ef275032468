#!/usr/bin/env bash
# Compiles src/ to dist/ (`npm run build`) when dist/ is missing or older than the source, so
# that `npm start` and the tests that run the `gazette` bin in a checkout never run yesterday's
# build. `npm run build` rewrites every file, so dist/cli.js's time is the build's time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/cli.js ] || [ -n "$(find src tsconfig.json tsconfig.build.json package.json -newer dist/cli.js -print -quit)" ]; then
  npm run build --silent
fi

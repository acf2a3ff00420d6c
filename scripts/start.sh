#!/usr/bin/env bash
# Starts the portal (frontend on :3000, backend on :7007) with Chorus and its
# demo data on the embedded SQLite database under data/.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$CHORUS_ROOT"
exec yarn start

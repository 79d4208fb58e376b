#!/usr/bin/env bash
# Tessera on PostgreSQL beside Tessera on SQLite, same machine, same run:
# client_credentials (RS256, ES256; wrk -t2 -c64) and complete browserless
# code-flow logins with PKCE (bench/codeflow.mjs), medians of BENCH_RUNS runs of
# BENCH_SECONDS; then, on PostgreSQL, what one complete login + token exchange
# costs the database:
#   write transactions  = transaction ids assigned (pg_snapshot_xmax of the
#                         current snapshot before/after; read-only ones get none)
#   committed transactions (pg_stat_database.xact_commit, reads included), read
#                         once the node's backends have published their counters.
# The PostgreSQL server is a private one (scripts/pg-server, port 55442).
#
#   bench/pg.sh     BENCH_SECONDS=10 BENCH_RUNS=3 BENCH_CONCURRENCY=8 BENCH_LOGINS=50 (defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=${BENCH_SECONDS:-10}; RUNS=${BENCH_RUNS:-3}; CONC=${BENCH_CONCURRENCY:-8}; LOGINS=${BENCH_LOGINS:-50}
PORT=18980; MGMT=18990
export TESSERA_PG_PORT=${TESSERA_PG_PORT:-55442} TESSERA_PG_DIR=${TESSERA_PG_DIR:-/tmp/tessera-pg-bench}
say() { echo "bench/pg: $*" >&2; }
die() { echo "ABORT: $*" >&2; exit 1; }

bash scripts/install-deps
(cd bench/peer && { [ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; })
if [ -n "${TESSERA_BIN:-}" ]; then BIN=$TESSERA_BIN; else bash scripts/build --target tessera >/dev/null; BIN=$ROOT/build/tessera; fi

WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }
  bash "$ROOT/scripts/pg-server" stop
  rm -rf "$WORK"
}
trap cleanup EXIT
bash scripts/pg-server start >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$TESSERA_PG_PORT" -U tessera -qAt -v ON_ERROR_STOP=1)
export PGPASSWORD=tessera
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

cat > "$WORK/realm.json" <<'JSON'
{"realm":"bench","enabled":true,
 "clients":[
  {"clientId":"cc-rs","publicClient":false,"secret":"cc-rs-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false},
  {"clientId":"cc-es","publicClient":false,"secret":"cc-es-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false,
   "attributes":{"access.token.signed.response.alg":"ES256"}},
  {"clientId":"app","publicClient":false,"secret":"app-secret","standardFlowEnabled":true,
   "redirectUris":["http://localhost:3000/cb"],"attributes":{"pkce.code.challenge.method":"S256"}}],
 "users":[{"username":"bench","enabled":true,"firstName":"Bench","lastName":"User","email":"bench@example.com","emailVerified":true,
   "credentials":[{"type":"password","value":"bench-password"}]}]}
JSON

start() {  # backend [extra args...]
  local db=(--db-url="$WORK/tessera.sqlite")
  [ "$1" = postgres ] && db=(--db=postgres --db-url="postgresql://127.0.0.1:$TESSERA_PG_PORT/bench" --db-username=tessera --db-password=tessera)
  shift
  "$BIN" start-dev --http-host=127.0.0.1 --http-port=$PORT --http-management-port=$MGMT "${db[@]}" \
    --bootstrap-admin-password=bench "$@" >>"$WORK/tessera.log" 2>&1 &
  PID=$!
  for _ in $(seq 400); do curl -sf -o /dev/null "http://127.0.0.1:$MGMT/health/ready" && return; sleep 0.05; done
  cat "$WORK/tessera.log" >&2; die "tessera did not start"
}
stop() { kill -TERM "$PID"; wait "$PID" || true; PID=; }

OIDC=http://127.0.0.1:$PORT/realms/bench/protocol/openid-connect
AUTH=$OIDC/auth; TOKEN=$OIDC/token; Q=scope=openid
cc_lua() {  # client secret -> lua file
  printf 'wrk.method="POST"\nwrk.headers["Content-Type"]="application/x-www-form-urlencoded"\nwrk.headers["Authorization"]="Basic %s"\nwrk.body="grant_type=client_credentials"\n' \
    "$(printf '%s:%s' "$1" "$2" | base64 -w0)" > "$WORK/$1.lua"
}
cc_lua cc-rs cc-rs-secret; cc_lua cc-es cc-es-secret
wrk_rate() {  # lua -> median req/s (aborts on non-2xx)
  wrk -t2 -c64 -d1s -s "$WORK/$1.lua" "$TOKEN" >/dev/null
  for _ in $(seq "$RUNS"); do
    wrk -t2 -c64 -d"${SECS}s" -s "$WORK/$1.lua" "$TOKEN" > "$WORK/wrk.txt"
    grep -q "Non-2xx" "$WORK/wrk.txt" && die "$1: non-2xx answers: $(cat "$WORK/wrk.txt")"
    awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt"
  done | median
}
login_rate() {
  node bench/codeflow.mjs "$AUTH" "$TOKEN" 2 "$CONC" "$Q" >/dev/null
  for _ in $(seq "$RUNS"); do node bench/codeflow.mjs "$AUTH" "$TOKEN" "$SECS" "$CONC" "$Q" | awk '{print $2}'; done | median
}

declare -A R
for backend in sqlite postgres; do
  start "$backend" --import-realm="$WORK/realm.json"
  node bench/codeflow.mjs once "$AUTH" "$TOKEN" "$Q" >/dev/null || die "$backend: a login failed"
  say "$backend: client_credentials RS256"; R[$backend.rs]=$(wrk_rate cc-rs)
  say "$backend: client_credentials ES256"; R[$backend.es]=$(wrk_rate cc-es)
  say "$backend: code-flow logins"; R[$backend.login]=$(login_rate)
  stop
done

# ---- database cost of one login, on PostgreSQL
xmax() { "${PSQL[@]}" -d bench -c "SELECT pg_snapshot_xmax(pg_current_snapshot())"; }
commits() { "${PSQL[@]}" -d postgres -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'"; }
logins() { for _ in $(seq "$1"); do node bench/codeflow.mjs once "$AUTH" "$TOKEN" "$Q" >/dev/null || die "a login failed"; done; }
start postgres; logins 1
# A backend publishes its counters when idle, at most 10 s late (PostgreSQL 15):
# wait that out before each reading. The two xmax() reads are connections to
# the measured database, which cost commits of their own: measured first.
sleep 11; c0=$(commits); xmax >/dev/null; xmax >/dev/null
sleep 11; c1=$(commits)
x0=$(xmax); logins "$LOGINS"; x1=$(xmax)
sleep 11; c2=$(commits)
stop
writes=$(awk -v a="$x0" -v b="$x1" -v n="$LOGINS" 'BEGIN {printf "%.2f", (b - a) / n}')
commit_per=$(awk -v a="$c0" -v b="$c1" -v c="$c2" -v n="$LOGINS" 'BEGIN {printf "%.2f", ((c - b) - (b - a)) / n}')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf '\n%-44s %10s %10s %8s\n' figure SQLite PostgreSQL pg/sqlite
printf '%-44s %10.0f %10.0f %8s\n' "client_credentials RS256 req/s" "${R[sqlite.rs]}" "${R[postgres.rs]}" "$(ratio "${R[postgres.rs]}" "${R[sqlite.rs]}")"
printf '%-44s %10.0f %10.0f %8s\n' "client_credentials ES256 req/s" "${R[sqlite.es]}" "${R[postgres.es]}" "$(ratio "${R[postgres.es]}" "${R[sqlite.es]}")"
printf '%-44s %10.1f %10.1f %8s\n' "code-flow logins/s (PKCE, $CONC in flight)" "${R[sqlite.login]}" "${R[postgres.login]}" "$(ratio "${R[postgres.login]}" "${R[sqlite.login]}")"
echo
echo "PostgreSQL cost of one complete code-flow login + token exchange ($LOGINS logins, one at a time):"
echo "  write transactions (xids assigned)                 $writes"
echo "  committed transactions (pg_stat_database, all)     $commit_per"
echo "wrk -t2 -c64, median of $RUNS x ${SECS}s; logins: bench/codeflow.mjs $CONC in flight; $(nproc) cores; $(psql --version)"

#!/usr/bin/env bash
# Server-core benchmark: discovery and JWKS requests/s at 64 connections over
# HTTP and HTTPS (wrk, 3 runs of 10 s, median), idle RSS after start, and time
# from exec to /health/ready. Prints a table; no pass/fail.
#   bench/core.sh            (builds first; BENCH_SECONDS / BENCH_RUNS override)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build --target tessera >/dev/null
BIN=$PWD/build/tessera
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
  -days 1 -subj /CN=localhost 2>/dev/null
ARGS=(start-dev --http-host=127.0.0.1 --http-port=18480 --https-port=18443 --http-management-port=18490
      --db-url="$WORK/db.sqlite" --bootstrap-admin-password=bench
      --https-certificate-file="$WORK/cert.pem" --https-certificate-key-file="$WORK/key.pem")
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
first=$(node bench/ready-time.mjs "$BIN" 1 "${ARGS[@]}")
warm=$(node bench/ready-time.mjs "$BIN" 5 "${ARGS[@]}" | median)

"$BIN" "${ARGS[@]}" >"$WORK/server.log" 2>&1 &
PID=$!
until curl -sf http://127.0.0.1:18490/health/ready >/dev/null; do sleep 0.05; done
sleep 1
idle_rss=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)

measure() {  # url -> median req/s
  for _ in $(seq "$RUNS"); do
    wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" "$1" | awk '/Requests\/sec/ {print $2}'
  done | median
}
disc_http=$(measure http://127.0.0.1:18480/realms/master/.well-known/openid-configuration)
jwks_http=$(measure http://127.0.0.1:18480/realms/master/protocol/openid-connect/certs)
disc_https=$(measure https://127.0.0.1:18443/realms/master/.well-known/openid-configuration)
jwks_https=$(measure https://127.0.0.1:18443/realms/master/protocol/openid-connect/certs)
load_rss=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
kill -TERM $PID; wait $PID || true

printf '%-44s %12s %10s\n' figure measured target
printf '%-44s %12.0f %10s\n' "discovery req/s, HTTP, 64 conn (median)" "$disc_http" ">= 50000"
printf '%-44s %12.0f %10s\n' "JWKS req/s, HTTP, 64 conn (median)" "$jwks_http" "-"
printf '%-44s %12.0f %10s\n' "discovery req/s, HTTPS TLS1.3, 64 conn" "$disc_https" "-"
printf '%-44s %12.0f %10s\n' "JWKS req/s, HTTPS TLS1.3, 64 conn" "$jwks_https" "-"
printf '%-44s %12.1f %10s\n' "idle RSS after start (MB)" "$(awk "BEGIN{print $idle_rss/1024}")" "<= 15"
printf '%-44s %12.1f %10s\n' "RSS after the load (MB)" "$(awk "BEGIN{print $load_rss/1024}")" "-"
printf '%-44s %12.1f %10s\n' "exec -> /health/ready, warm start (ms, median of 5)" "$warm" "<= 100"
printf '%-44s %12.1f %10s\n' "exec -> /health/ready, first start (ms)" "$first" "-"
echo "(first start creates the master realm: three RSA-2048 keys and an argon2id hash)"

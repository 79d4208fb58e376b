#!/usr/bin/env bash
# Browserless login throughput against the argon2id ceiling of the same
# machine, in the same run: logins/s (GET /auth, POST the form, exchange the
# code) with Keycloak's default argon2id parameters, and raw argon2id
# hashes/s on all cores. Target: logins/s >= 80% of the hash rate.
#   bench/login.sh        (BENCH_SECONDS, BENCH_RUNS, BENCH_CONCURRENCY override)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build --target tessera argon2_rate >/dev/null
(cd tests/blackbox && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
SECS=${BENCH_SECONDS:-10}; RUNS=${BENCH_RUNS:-3}; CONC=${BENCH_CONCURRENCY:-8}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat > "$WORK/bench.json" <<'JSON'
{"realm":"bench","users":[{"username":"bench","enabled":true,"credentials":[{"type":"password","value":"bench-password"}]}],
 "clients":[{"clientId":"bench","publicClient":false,"secret":"bench-secret","redirectUris":["http://localhost:3000/cb"]}]}
JSON
# One client from one address at full speed: the rate limits stay on (their
# cost is part of the figures) but out of reach.
OUT_OF_REACH=(--rate-limit-token-per-ip=1000000000/s --rate-limit-token-per-client=1000000000/s
              --rate-limit-auth-per-ip=1000000000/s --rate-limit-auth-per-client=1000000000/s)
build/tessera start-dev "${OUT_OF_REACH[@]}" --http-host=127.0.0.1 --http-port=18580 --http-management-port=18590 \
  --db-url="$WORK/db.sqlite" --bootstrap-admin-password=bench --import-realm="$WORK/bench.json" >"$WORK/server.log" 2>&1 &
until curl -sf http://127.0.0.1:18590/health/ready >/dev/null; do sleep 0.05; done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
node bench/login.mjs http://127.0.0.1:18580 bench 2 "$CONC" >/dev/null  # warm-up
logins=$(for _ in $(seq "$RUNS"); do
  node bench/login.mjs http://127.0.0.1:18580 bench "$SECS" "$CONC" | awk '{print $2}'
done | median)
kill -TERM %1; wait %1 || true
hashes=$(for _ in $(seq "$RUNS"); do build/argon2_rate "$SECS" | awk '{print $2}'; done | median)
echo "machine: $(nproc) cores; argon2id t=5 m=7168KiB p=1 (Keycloak's default)"
printf '%-40s %10.1f\n' "logins/s (median of $RUNS x ${SECS}s, $CONC in flight)" "$logins"
printf '%-40s %10.1f\n' "raw argon2id hashes/s (all cores)" "$hashes"
awk -v l="$logins" -v h="$hashes" 'BEGIN { printf "%-40s %9.0f%%  (target >= 80%%)\n", "logins / hash rate", 100*l/h }'

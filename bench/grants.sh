#!/usr/bin/env bash
# Token-endpoint throughput against the signing ceiling of the same machine, in
# the same run: client_credentials with RS256 and ES256 access tokens, the
# refresh grant (no openid scope: one RSA signature and one HMAC per request)
# and introspection, with wrk -t2 -c64 (BENCH_RUNS runs of BENCH_SECONDS,
# median req/s and the p99 of the median run); then `openssl speed` single-core
# RSA-2048 and ECDSA P-256 sign rates. Prints a table with the targets.
#   bench/grants.sh          (builds first; BENCH_SECONDS / BENCH_RUNS override)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build --target tessera >/dev/null
SECS=${BENCH_SECONDS:-10}; RUNS=${BENCH_RUNS:-3}
BASE=http://127.0.0.1:18680/realms/bench/protocol/openid-connect
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# ---- realm: two service-account clients (RS256 / ES256), a password client, a resource server
cat > "$WORK/bench.json" <<'JSON'
{"realm":"bench","enabled":true,
 "clients":[
  {"clientId":"cc-rs","publicClient":false,"secret":"cc-rs-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false},
  {"clientId":"cc-es","publicClient":false,"secret":"cc-es-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false,
   "attributes":{"access.token.signed.response.alg":"ES256"}},
  {"clientId":"app","publicClient":false,"secret":"app-secret","directAccessGrantsEnabled":true,
   "redirectUris":["http://localhost/cb"]},
  {"clientId":"rs","publicClient":false,"secret":"rs-secret","standardFlowEnabled":false}],
 "users":[{"username":"bench","enabled":true,"realmRoles":["default-roles-bench"],
   "credentials":[{"type":"password","value":"bench-password"}]}]}
JSON
# One client from one address at full speed: the rate limits stay on (their
# cost is part of the figures) but out of reach.
OUT_OF_REACH=(--rate-limit-token-per-ip=1000000000/s --rate-limit-token-per-client=1000000000/s
              --rate-limit-auth-per-ip=1000000000/s --rate-limit-auth-per-client=1000000000/s)
build/tessera start-dev "${OUT_OF_REACH[@]}" --http-host=127.0.0.1 --http-port=18680 --http-management-port=18690 \
  --db-url="$WORK/db.sqlite" --bootstrap-admin-password=bench --import-realm="$WORK/bench.json" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 600); do curl -sf http://127.0.0.1:18690/health/ready >/dev/null && break; sleep 0.05; done
curl -sf http://127.0.0.1:18690/health/ready >/dev/null || { echo "server did not start:"; cat "$WORK/server.log"; exit 1; }

basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }
RS_AUTH=$(basic cc-rs cc-rs-secret); ES_AUTH=$(basic cc-es cc-es-secret); INTRO_AUTH=$(basic rs rs-secret)

# ---- one request each before measuring: 200, and the tokens the load needs
check() {  # name url auth body -> response body on stdout; aborts unless 200
  local code
  code=$(curl -s -o "$WORK/resp" -w '%{http_code}' -H "Authorization: $3" --data "$4" "$2")
  [ "$code" = 200 ] || { echo "ABORT: $1 answered $code: $(cat "$WORK/resp")" >&2; exit 1; }
  cat "$WORK/resp"
}
alg() {  # JWT on stdin -> header alg
  local h; h=$(cut -d. -f1 | tr '_-' '/+'); while (( ${#h} % 4 )); do h+="="; done
  base64 -d <<<"$h" | jq -r .alg
}
expect() { [ "$2" = "$3" ] || { echo "ABORT: $1 is '$2', expected '$3'" >&2; exit 1; }; }
rs_token=$(check "client_credentials RS256" "$BASE/token" "$RS_AUTH" grant_type=client_credentials | jq -r .access_token)
expect "cc-rs access token alg" "$(alg <<<"$rs_token")" RS256
es_token=$(check "client_credentials ES256" "$BASE/token" "$ES_AUTH" grant_type=client_credentials | jq -r .access_token)
expect "cc-es access token alg" "$(alg <<<"$es_token")" ES256
refresh=$(check "password grant (app)" "$BASE/token" "$(basic app app-secret)" \
  "grant_type=password&username=bench&password=bench-password" | jq -r .refresh_token)
[ -n "$refresh" ] && [ "$refresh" != null ] || { echo "ABORT: the password grant returned no refresh token" >&2; exit 1; }
for _ in 1 2; do  # twice: reuse must be allowed (no revokeRefreshToken)
  check "refresh grant" "$BASE/token" "$(basic app app-secret)" "grant_type=refresh_token&refresh_token=$refresh" >"$WORK/rt.json"
done
expect "refresh grant id_token (no openid scope: one RSA signature)" "$(jq -r '.id_token // "none"' "$WORK/rt.json")" none
expect "refresh grant access token alg" "$(jq -r .access_token "$WORK/rt.json" | alg)" RS256
access=$(check "client_credentials for introspection" "$BASE/token" "$RS_AUTH" grant_type=client_credentials | jq -r .access_token)
[ "$(check introspection "$BASE/token/introspect" "$INTRO_AUTH" "token=$access" | jq -r .active)" = true ] ||
  { echo "ABORT: introspection did not answer \"active\":true" >&2; exit 1; }

# ---- wrk Lua scripts: one fixed POST each
lua() {  # file auth body
  cat > "$WORK/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "$2"
wrk.body = "$3"
LUA
}
lua cc_rs "$RS_AUTH" grant_type=client_credentials
lua cc_es "$ES_AUTH" grant_type=client_credentials
lua refresh "$(basic app app-secret)" "grant_type=refresh_token&refresh_token=$refresh"
lua introspect "$INTRO_AUTH" "token=$access"

ms() { awk '{v=$1; if (v ~ /us$/) v=v/1000; else if (v ~ /ms$/) v=v+0; else if (v ~ /s$/) v=v*1000; printf "%.2f", v}'; }
measure() {  # name url -> "req/s p99_ms non2xx errors" of the median run (by req/s)
  local out rps p99 non2xx errs
  for i in $(seq "$RUNS"); do
    out=$(wrk -t2 -c64 -d"${SECS}s" --latency -s "$WORK/$1.lua" "$2")
    echo "$out" > "$WORK/$1.$i.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | ms)
    non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
    errs=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out"); errs=${errs:-0}
    echo "$rps $p99 $non2xx $errs"
  done | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'
}
curl -s -o /dev/null -H "Authorization: $RS_AUTH" --data grant_type=client_credentials "$BASE/token"  # warm
wrk -t2 -c64 -d2s -s "$WORK/cc_rs.lua" "$BASE/token" >/dev/null  # warm-up
read -r cc_rs cc_rs_p99 cc_rs_bad cc_rs_err < <(measure cc_rs "$BASE/token")
read -r cc_es cc_es_p99 cc_es_bad cc_es_err < <(measure cc_es "$BASE/token")
read -r rt rt_p99 rt_bad rt_err < <(measure refresh "$BASE/token")
read -r intro intro_p99 intro_bad intro_err < <(measure introspect "$BASE/token/introspect")
rss=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
kill -TERM $PID; wait $PID || true

# ---- the signing ceiling: one core, same run
openssl speed -seconds 3 rsa2048 ecdsap256 >"$WORK/speed.txt" 2>/dev/null
rsa_sign=$(awk '$1 == "rsa" && $2 == "2048" {print $(NF-1)}' "$WORK/speed.txt")
ec_sign=$(awk '/nistp256\)/ {print $(NF-1)}' "$WORK/speed.txt")
ceiling=$(awk -v r="$rsa_sign" 'BEGIN {print 2*r}')

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(openssl version | cut -d' ' -f1-2)"
echo "wrk -t2 -c64, median of $RUNS x ${SECS}s (p99 and error counts from the median run)"
printf '%-38s %10s %9s %7s %6s  %s\n' figure req/s "p99 ms" non2xx errors target
row() { printf '%-38s %10.0f %9.2f %7s %6s  %s\n' "$@"; }
row "client_credentials, RS256" "$cc_rs" "$cc_rs_p99" "$cc_rs_bad" "$cc_rs_err" "-"
row "client_credentials, ES256" "$cc_es" "$cc_es_p99" "$cc_es_bad" "$cc_es_err" ">= 25000, p99 <= 10"
row "refresh_token (no openid scope)" "$rt" "$rt_p99" "$rt_bad" "$rt_err" "-"
row "introspection" "$intro" "$intro_p99" "$intro_bad" "$intro_err" ">= 30000, p99 <= 10"
printf '%-38s %10.0f\n' "openssl RSA-2048 sign/s (1 core)" "$rsa_sign"
printf '%-38s %10.0f\n' "openssl ECDSA P-256 sign/s (1 core)" "$ec_sign"
printf '%-38s %10.0f\n' "RSA ceiling: 2 x RSA-2048 sign/s" "$ceiling"
awk -v c="$cc_rs" -v r="$rt" -v k="$ceiling" 'BEGIN {
  printf "%-38s %9.0f%%  (target >= 70%%)\n", "client_credentials RS256 / RSA ceiling", 100*c/k
  printf "%-38s %9.0f%%\n", "refresh_token / RSA ceiling", 100*r/k }'
printf '%-38s %10.1f\n' "RSS after the load (MB)" "$(awk "BEGIN{print $rss/1024}")"

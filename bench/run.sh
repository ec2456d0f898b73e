#!/usr/bin/env bash
# `make bench`: load benchmark of cognito-guard, side by side in one run.
#
# Two release servers in cognito mode against a local test JWKS (a throwaway
# key of the bench's own, served as a static file: cognito mode refuses the
# committed dev key and the dev issuer), one with the verified-token cache and
# one without, are loaded with wrk on this machine,
# scenario by scenario, interleaved over several rounds; the table shows the
# median of the rounds and the median of each round's ratio to
# /messages/public. The checked ratios are then measured again in short
# slices taken in turn, and judged on those. Then the criterion micro-benchmark of one
# verification runs.
#
# Knobs: BENCH_SECS (per scenario per round, default 5), BENCH_ROUNDS (5),
# BENCH_PAIR_SLICES (10 a side) and BENCH_PAIR_SECS (2) for the checked pairs,
# BENCH_CONNECTIONS (64), BENCH_TOKENS (50000), BENCH_SKIP_CRITERION=1,
# BENCH_SCENARIOS (a space-separated subset of SCENARIOS below, e.g.
# "nginx_zero nginx_guard envoy_zero envoy_guard"; public, the base of the
# ratios, always runs; the table and the checks then cover only those rows).
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SECS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
CONNS=${BENCH_CONNECTIONS:-64}
NTOKENS=${BENCH_TOKENS:-50000}
OUT=target/bench
mkdir -p "$OUT"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)..." >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

cargo build --release --locked --quiet
BIN=target/release/cognito-guard

# The bench's own signing key and issuer. `token` and `jwks` sign with
# DEV_SIGNING_KEY_FILE, so they mint for this key instead of the dev one.
KEY="$OUT/bench-signing-key.pem"
ISSUER=https://bench-issuer.cognito-guard.invalid/us-east-1_Bench01
export DEV_SIGNING_KEY_FILE="$KEY"

# Distinct tokens, so that every request of the miss scenarios is a miss
# (five times more tokens than the default cache holds). Reused, with their
# key, for 12 hours; a new key is generated whenever they are minted again.
TOKENS="$OUT/tokens.txt"
if [ ! -s "$KEY" ] || [ ! -s "$TOKENS" ] || [ "$(wc -l < "$TOKENS")" -ne "$NTOKENS" ] \
   || [ -n "$(find "$TOKENS" -mmin +720)" ] || [ "$KEY" -nt "$TOKENS" ]; then
  echo "generating a throwaway signing key and minting $NTOKENS tokens..." >&2
  openssl genrsa -out "$KEY.tmp" 2048 2>/dev/null
  mv "$KEY.tmp" "$KEY"
  "$BIN" token --count "$NTOKENS" --ttl 86400 --sub bench --issuer "$ISSUER" > "$TOKENS.tmp"
  mv "$TOKENS.tmp" "$TOKENS"
fi
ONE_TOKEN=$("$BIN" token --ttl 86400 --sub bench-hit --issuer "$ISSUER")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# The bench key as a static JWKS: the servers run in cognito mode, exactly as
# in production, and accept the tokens `token` minted with that key.
mkdir -p "$OUT/jwks"
"$BIN" jwks > "$OUT/jwks/jwks.json"
JWKS_PORT=$(free_port)
python3 -m http.server "$JWKS_PORT" --bind 127.0.0.1 --directory "$OUT/jwks" > "$OUT/jwks.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$JWKS_PORT/jwks.json" >/dev/null 2>&1 && break; sleep 0.1; done

# Browsers: the servers allow one page origin, and the cache-hit scenario
# sends it, so the table shows what CORS adds to a request.
BENCH_ORIGIN=http://127.0.0.1:5173

# The bench pool as variables; a server whose GUARD_CONFIG has [[pool]]
# tables is started with GUARD_POOLS=1 and gets none of them (they clash).
POOL_VARS=(AWS_REGION=us-east-1 COGNITO_USER_POOL_ID=us-east-1_Bench01
  COGNITO_CLIENT_ID=cognitoguarddevclient0001 COGNITO_ISSUER="$ISSUER"
  COGNITO_JWKS_URL="http://127.0.0.1:$JWKS_PORT/jwks.json")

start_server() { # name port extra-env...
  local name=$1 port=$2; shift 2
  local pool_vars=("${POOL_VARS[@]}")
  [ "${GUARD_POOLS:-}" = 1 ] && pool_vars=()
  env -i PATH="$PATH" HOST=127.0.0.1 PORT="$port" RUST_LOG=warn CORS_ALLOWED_ORIGINS="$BENCH_ORIGIN" \
    "${pool_vars[@]}" "$@" \
    "$BIN" > "$OUT/$name.log" 2>&1 &
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { echo $!; return; }
    sleep 0.1
  done
  echo "server $name did not become ready; see $OUT/$name.log" >&2; exit 1
}

# A Redis of the bench's own, for the server that shares revocations on it.
command -v redis-server >/dev/null || make -s test-deps
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no > "$OUT/redis.log" 2>&1 &
PIDS+=($!)

# Forward-auth: the cache server also answers /auth with one rule, so that
# the table shows a gateway's auth subrequest on a cache hit.
GUARD_RULES="$OUT/guard.toml"
printf '[forward_auth]\ngateway = "nginx"\n\n[[rule]]\nname = "bench"\npath = "/api/**"\n' > "$GUARD_RULES"

# Several pools: the bench pool second, behind another pool with its own
# issuer, so that every token's pool is looked up past one that is not its.
GUARD_POOLS_FILE="$OUT/pools.toml"
cat > "$GUARD_POOLS_FILE" <<EOF
[[pool]]
name = "other"
region = "eu-west-1"
user_pool_id = "eu-west-1_Other01"
client_ids = ["otherclient0000000000001"]
issuer = "https://other-issuer.cognito-guard.invalid/eu-west-1_Other01"
jwks_url = "http://127.0.0.1:$JWKS_PORT/jwks.json"

[[pool]]
name = "bench"
region = "us-east-1"
user_pool_id = "us-east-1_Bench01"
client_ids = ["cognitoguarddevclient0001"]
issuer = "$ISSUER"
jwks_url = "http://127.0.0.1:$JWKS_PORT/jwks.json"
EOF

# start_server runs in a subshell ($(...)), so its PIDs are recorded here.
PORT_CACHE=$(free_port); PID_CACHE=$(start_server cache "$PORT_CACHE" GUARD_CONFIG="$GUARD_RULES"); PIDS+=("$PID_CACHE")
PORT_NOCACHE=$(free_port); PID_NOCACHE=$(start_server nocache "$PORT_NOCACHE" VERIFIED_TOKEN_CACHE_ENTRIES=0); PIDS+=("$PID_NOCACHE")
PORT_REDIS=$(free_port); PID_REDIS=$(start_server redis "$PORT_REDIS" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"); PIDS+=("$PID_REDIS")
PORT_POOLS=$(free_port); PID_POOLS=$(GUARD_POOLS=1 start_server pools "$PORT_POOLS" GUARD_CONFIG="$PWD/$GUARD_POOLS_FILE"); PIDS+=("$PID_POOLS")

# Policies: one server, one rule decided by a 10-policy Cedar set and the
# same rule decided by TOML terms, asked with the same token (cache hits).
CEDAR_RULES="$OUT/guard-cedar.toml"
mkdir -p "$OUT/policies" && cp bench/policies/ten.cedar "$OUT/policies/"
cat > "$CEDAR_RULES" <<EOF
[policies]
files = ["policies/ten.cedar"]
namespace = "Bench"

[forward_auth]
gateway = "nginx"

[[rule]]
name = "cedar"
path = "/cedar/{tenant}/**"
allow = "policy"

[[rule]]
name = "terms"
path = "/terms/{tenant}/**"
groups_any = ["staff"]
EOF
PORT_CEDAR=$(free_port); PID_CEDAR=$(start_server cedar "$PORT_CEDAR" GUARD_CONFIG="$PWD/$CEDAR_RULES"); PIDS+=("$PID_CEDAR")
TENANT_TOKEN=$("$BIN" token --ttl 86400 --sub bench-tenant --group staff --attribute custom:tenant_id=acme --issuer "$ISSUER")

# Identity assertions: the same rule, signing with a key made for the run.
ASSERT_KEY="$PWD/$OUT/assert.pem"
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$ASSERT_KEY"
with_assertions() { # rules-file -> the same rules, signing assertions
  cat "$1"; printf '\n[forward_auth.assertion]\nissuer = "https://bench.invalid"\nsigning_keys = ["%s"]\n' "$ASSERT_KEY"
}
with_assertions "$GUARD_RULES" > "$OUT/guard-assert.toml"
PORT_ASSERT=$(free_port); PID_ASSERT=$(start_server assert "$PORT_ASSERT" GUARD_CONFIG="$PWD/$OUT/guard-assert.toml"); PIDS+=("$PID_ASSERT")

# Gateways in front of an upstream (bench/gateways.sh): nginx auth_request and
# Envoy ext_authz asking a guard with the rules of examples/guard.toml, the
# same gateways asking a zero-cost guard, nginx without auth, and Envoy with
# its own jwt_authn filter on the same token.
source bench/gateways.sh

# scenario name -> wrk arguments
run_wrk() { # name
  local url_cache="http://127.0.0.1:$PORT_CACHE" url_nocache="http://127.0.0.1:$PORT_NOCACHE"
  local common=(-t1 -c"$CONNS" -d"${WRK_SECS:-$SECS}s" --latency)
  case $1 in
    public)        wrk "${common[@]}" "$url_cache/messages/public" ;;
    hit)           wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" -H "Origin: $BENCH_ORIGIN" "$url_cache/messages/private" ;;
    miss)          wrk "${common[@]}" -s bench/cycle_tokens.lua "$url_cache" -- "$TOKENS" "$RANDOM" ;;
    nocache_same)  wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "$url_nocache/messages/private" ;;
    nocache_fresh) wrk "${common[@]}" -s bench/cycle_tokens.lua "$url_nocache" -- "$TOKENS" "$RANDOM" ;;
    hit_redis)     wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" -H "Origin: $BENCH_ORIGIN" "http://127.0.0.1:$PORT_REDIS/messages/private" ;;
    pools_hit)     wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" -H "Origin: $BENCH_ORIGIN" "http://127.0.0.1:$PORT_POOLS/messages/private" ;;
    pools_miss)    wrk "${common[@]}" -s bench/cycle_tokens.lua "http://127.0.0.1:$PORT_POOLS" -- "$TOKENS" "$RANDOM" ;;
    auth_hit)      wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" -H "X-Original-Method: GET" -H "X-Original-URI: /api/items/42?view=full" "$url_cache/auth" ;;
    auth_assert)   wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" -H "X-Original-Method: GET" -H "X-Original-URI: /api/items/42?view=full" "http://127.0.0.1:$PORT_ASSERT/auth" ;;
    auth_cedar)    wrk "${common[@]}" -H "Authorization: Bearer $TENANT_TOKEN" -H "X-Original-Method: GET" -H "X-Original-URI: /cedar/acme/orders/42?view=full" "http://127.0.0.1:$PORT_CEDAR/auth" ;;
    auth_terms)    wrk "${common[@]}" -H "Authorization: Bearer $TENANT_TOKEN" -H "X-Original-Method: GET" -H "X-Original-URI: /terms/acme/orders/42?view=full" "http://127.0.0.1:$PORT_CEDAR/auth" ;;
    auth_reload)   # The same, while the server reloads its configuration every 100 ms.
                   (while kill -HUP "$PID_CACHE" 2>/dev/null; do sleep 0.1; done) &
                   local reloading=$!
                   wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" -H "X-Original-Method: GET" -H "X-Original-URI: /api/items/42?view=full" "$url_cache/auth"
                   kill "$reloading"; wait "$reloading" 2>/dev/null || true ;;
    nginx_none)    wrk "${common[@]}" "http://127.0.0.1:$PORT_NGINX_NONE/api/orders" ;;
    nginx_zero)    wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_NGINX_ZERO/api/orders" ;;
    nginx_guard)   wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_NGINX_GUARD/api/orders" ;;
    nginx_guard_assert) wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_NGINX_GUARD_ASSERT/api/orders" ;;
    nginx_zero_assert) wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_NGINX_ZERO_ASSERT/api/orders" ;;
    nginx_zero_id) wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_NGINX_ZERO_ID/api/orders" ;;
    envoy_zero_id) wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_ENVOY_ZERO_ID/api/orders" ;;
    envoy_zero)    wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_ENVOY_ZERO/api/orders" ;;
    envoy_guard)   wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_ENVOY_GUARD/api/orders" ;;
    envoy_jwt)     wrk "${common[@]}" -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_ENVOY_JWT/api/orders" ;;
  esac
}

# The hit scenario's answers must be readable by the page, or it measures
# something else.
HEADERS=$(curl -fsS -o /dev/null -D - -H "Authorization: Bearer $ONE_TOKEN" -H "Origin: $BENCH_ORIGIN" \
  "http://127.0.0.1:$PORT_CACHE/messages/private" | tr -d '\r')
grep -qixF "access-control-allow-origin: $BENCH_ORIGIN" <<< "$HEADERS" \
  || { echo "CORS is not configured on the bench servers" >&2; exit 1; }

# /auth must allow, with the identity, or it measures a refusal.
curl -fsS -o /dev/null -D - -H "Authorization: Bearer $ONE_TOKEN" -H "X-Original-Method: GET" \
  -H "X-Original-URI: /api/items/42" "http://127.0.0.1:$PORT_CACHE/auth" | tr -d '\r' \
  | grep -qix "x-auth-request-user: bench-hit" \
  || { echo "/auth does not allow the bench token" >&2; exit 1; }

# The policy rule must allow by its own-tenant policy, or it measures a refusal.
for rule in cedar terms; do
  curl -fsS -o /dev/null -D - -H "Authorization: Bearer $TENANT_TOKEN" -H "X-Original-Method: GET" \
    -H "X-Original-URI: /$rule/acme/orders/42" "http://127.0.0.1:$PORT_CEDAR/auth" | tr -d '\r' \
    | grep -qix "x-auth-request-rule: $rule" \
    || { echo "/auth does not allow the tenant token under the $rule rule" >&2; exit 1; }
done

# The two-pool server must take the bench pool's token as that pool's.
curl -fsS -H "Authorization: Bearer $ONE_TOKEN" "http://127.0.0.1:$PORT_POOLS/users/me" \
  | grep -q '"pool":"bench"' || { echo "the two-pool server does not admit the bench token" >&2; exit 1; }

SCENARIOS=(public hit miss pools_hit pools_miss nocache_same nocache_fresh hit_redis auth_hit auth_assert auth_reload auth_terms auth_cedar nginx_none nginx_zero nginx_zero_id nginx_guard nginx_zero_assert nginx_guard_assert envoy_zero envoy_zero_id envoy_guard envoy_jwt)
if [ -n "${BENCH_SCENARIOS:-}" ]; then
  chosen=(public)
  for s in $BENCH_SCENARIOS; do
    [[ " ${SCENARIOS[*]} " == *" $s "* ]] || { echo "unknown scenario $s (one of: ${SCENARIOS[*]})" >&2; exit 2; }
    [ "$s" = public ] || chosen+=("$s")
  done
  SCENARIOS=("${chosen[@]}")
fi
# Results of scenarios not run this time must not be read as this run's.
rm -f "$OUT"/*.results
for s in "${SCENARIOS[@]}"; do : > "$OUT/$s.results"; done
# The processes answering a gateway scenario's auth subrequests, whose CPU
# time per request is recorded: load on the shared machine moves req/s a lot
# from one round to the next, and the CPU an auth service spends on each
# request much less.
auth_pids() { # scenario
  case $1 in
    nginx_zero|envoy_zero) echo "${PROCESS_PIDS[zero]}" ;;
    nginx_zero_id|envoy_zero_id) echo "${PROCESS_PIDS[zero_id]}" ;;
    nginx_guard) echo "$PID_GW_NGINX" ;;
    nginx_guard_assert) echo "$PID_GW_NGINX_ASSERT" ;;
    nginx_zero_assert) echo "${PROCESS_PIDS[zero_assert]}" ;;
    envoy_guard) echo "$PID_GW_ENVOY" ;;
  esac
}
# The gateway in front in a gateway scenario, for its own CPU per request.
gateway_pids() { # scenario
  case $1 in nginx_*|envoy_*) echo "${PROCESS_PIDS[$1]}" ;; esac
}
per_request_us() { # ticks requests
  awk -v t="$1" -v us="$TICK_US" -v n="$2" 'BEGIN { printf "%.2f", t * us / n }'
}
cpu_ticks() { # pid...: user + system time of these processes, in clock ticks
  local total=0 pid fields
  for pid; do
    read -ra fields < "/proc/$pid/stat"
    # Fields 14 and 15 (utime, stime), counted past the parenthesised name.
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# Warm-up: JIT-free Rust needs none, but the first seconds fill caches and pools.
wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$PORT_CACHE/messages/public" >/dev/null
for round in $(seq "$ROUNDS"); do
  # Every other round runs the scenarios in reverse, so that a load that
  # rises or falls through a round favours neither side of a ratio.
  order=("${SCENARIOS[@]}")
  if [ $((round % 2)) = 0 ]; then
    order=(); for ((i = ${#SCENARIOS[@]} - 1; i >= 0; i--)); do order+=("${SCENARIOS[i]}"); done
  fi
  for s in "${order[@]}"; do
    echo "round $round/$ROUNDS: $s" >&2
    pids=$(auth_pids "$s"); gw_pids=$(gateway_pids "$s")
    # shellcheck disable=SC2086 # lists of pids
    [ -n "$pids" ] && before=$(cpu_ticks $pids)
    # shellcheck disable=SC2086
    [ -n "$gw_pids" ] && gw_before=$(cpu_ticks $gw_pids)
    out=$(run_wrk "$s")
    if echo "$out" | grep -q "Non-2xx"; then
      echo "$out" >&2; echo "scenario $s got non-2xx answers" >&2; exit 1
    fi
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    requests=$(echo "$out" | awk '/ requests in / {print $1}')
    cpu_us=- gw_cpu_us=-
    # shellcheck disable=SC2086
    [ -n "$pids" ] && cpu_us=$(per_request_us $(( $(cpu_ticks $pids) - before )) "$requests")
    # shellcheck disable=SC2086
    [ -n "$gw_pids" ] && gw_cpu_us=$(per_request_us $(( $(cpu_ticks $gw_pids) - gw_before )) "$requests")
    echo "$rps $p50 $p99 $cpu_us $gw_cpu_us" >> "$OUT/$s.results"
  done
done

# Each checked ratio, once more in short slices taken in turn (A B B A A B
# ...): on this shared machine a neighbour's load moves req/s by half from
# one second to the next, and rounds minutes long leave one side of a ratio
# measured under another load than the other. Each pair's ratio is its
# total requests over its total time, side by side.
PAIR_SLICES=${BENCH_PAIR_SLICES:-10}
PAIR_SECS=${BENCH_PAIR_SECS:-2}
PAIRS=("nginx_guard nginx_zero" "envoy_guard envoy_zero" "nginx_guard_assert nginx_zero_assert" "auth_hit public" "auth_assert auth_hit" "auth_reload auth_hit" "auth_cedar auth_terms" "hit public"
  "hit_redis public" "miss public" "pools_miss miss")
export BENCH_PAIR_SLICES=$PAIR_SLICES BENCH_PAIR_SECS=$PAIR_SECS
rm -f "$OUT"/*.slices
for pair in "${PAIRS[@]}"; do
  read -r a b <<< "$pair"
  [[ " ${SCENARIOS[*]} " == *" $a "* && " ${SCENARIOS[*]} " == *" $b "* ]] || continue
  for i in $(seq "$PAIR_SLICES"); do
    if [ $((i % 2)) = 1 ]; then turn=("$a" "$b"); else turn=("$b" "$a"); fi
    for s in "${turn[@]}"; do
      echo "slice $i/$PAIR_SLICES: $s" >&2
      out=$(WRK_SECS=$PAIR_SECS run_wrk "$s")
      if echo "$out" | grep -q "Non-2xx"; then
        echo "$out" >&2; echo "scenario $s got non-2xx answers" >&2; exit 1
      fi
      # "N requests in 2.00s": the count and wrk's own measured time.
      echo "$out" | awk -v s="$s" '/ requests in / { sub(/s,$/, "", $4); print s, $1, $4 }' >> "$OUT/$a.$b.slices"
    done
  done
done

rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
RSS_CACHE=$(rss_kb "$PID_CACHE"); RSS_NOCACHE=$(rss_kb "$PID_NOCACHE")
CACHED_ENTRIES=$(curl -fs "http://127.0.0.1:$PORT_CACHE/metrics" | awk '/^cognito_guard_verified_tokens_cached / {print $2}')
echo "verified-token cache after the run: ${CACHED_ENTRIES:-?} entries" >&2
# Each reload that loaded is one more generation: the reloading scenario's
# SIGHUPs must have been taken, and none refused.
GENERATIONS=$(curl -fs "http://127.0.0.1:$PORT_CACHE/metrics" | awk '/^cognito_guard_config_generation / {print $2}')
RELOAD_FAILURES=$(curl -fs "http://127.0.0.1:$PORT_CACHE/metrics" | awk '/^cognito_guard_config_reload_failures_total / {print $2}')
export GENERATIONS RELOAD_FAILURES

python3 - "$OUT" "$RSS_CACHE" "$RSS_NOCACHE" "$SECS" "$ROUNDS" "$CONNS" "$NTOKENS" <<'PY'
import statistics, sys, os, platform
out, rss_cache, rss_nocache, secs, rounds, conns, ntokens = sys.argv[1:]
def ms(v):
    v = v.strip()
    for suffix, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(suffix):
            return float(v[: -len(suffix)]) * f
    return float(v)
names = {
    "public": "/messages/public (no auth)",
    "hit": "/messages/private, one token (cache hits), allowed Origin (CORS)",
    "miss": "/messages/private, fresh token each request (cache misses)",
    "nocache_same": "/messages/private, one token, cache disabled",
    "nocache_fresh": "/messages/private, fresh tokens, cache disabled",
    "pools_hit": "/messages/private, one token (cache hits), two pools configured",
    "pools_miss": "/messages/private, fresh token each request (cache misses), two pools",
    "hit_redis": "/messages/private, one token (cache hits), REDIS_URL set",
    "auth_hit": "/auth (forward-auth, nginx headers), one token (cache hits)",
    "auth_assert": "/auth on cache hits, with identity assertions (signed once, then reused)",
    "auth_reload": "/auth on cache hits, the configuration reloaded (SIGHUP) every 100 ms",
    "auth_terms": "/auth on cache hits, a rule decided by TOML terms (groups_any)",
    "auth_cedar": "/auth on cache hits, the same rule decided by a 10-policy Cedar set",
    "nginx_none": "nginx -> upstream, no auth",
    "nginx_zero": "nginx auth_request -> zero-cost guard (return 200) -> upstream",
    "nginx_zero_id": "nginx auth_request -> zero-cost guard (return 200, the same identity headers) -> upstream",
    "nginx_guard": "nginx auth_request -> cognito-guard /auth (cache hits) -> upstream",
    "nginx_zero_assert": "nginx auth_request -> zero-cost guard (the same identity headers and assertion) -> upstream",
    "nginx_guard_assert": "nginx auth_request -> cognito-guard /auth with identity assertions -> upstream",
    "envoy_zero": "Envoy ext_authz -> zero-cost guard (return 200) -> upstream",
    "envoy_zero_id": "Envoy ext_authz -> zero-cost guard (return 200, the same identity headers) -> upstream",
    "envoy_guard": "Envoy ext_authz -> cognito-guard /auth (cache hits) -> upstream",
    "envoy_jwt": "Envoy jwt_authn (its own, cached) -> upstream",
}
rows = {}
per_round = {}  # scenario -> req/s of each round, in round order
cpu_per_request = {}  # scenario -> median CPU us of its auth service per request
gateway_cpu_per_request = {}  # scenario -> median CPU us of its gateway per request
for key in names:
    path = os.path.join(out, key + ".results")
    if not os.path.exists(path):
        continue  # not among BENCH_SCENARIOS
    runs = [l.split() for l in open(path) if l.strip()]
    rows[key] = (
        statistics.median(float(r[0]) for r in runs),
        statistics.median(ms(r[1]) for r in runs),
        statistics.median(ms(r[2]) for r in runs),
        min(ms(r[2]) for r in runs),
    )
    per_round[key] = [float(r[0]) for r in runs]
    cpus = [float(r[3]) for r in runs if len(r) > 3 and r[3] != "-"]
    if cpus:
        cpu_per_request[key] = statistics.median(cpus)
    gateway_cpus = [float(r[4]) for r in runs if len(r) > 4 and r[4] != "-"]
    if gateway_cpus:
        gateway_cpu_per_request[key] = statistics.median(gateway_cpus)
base_rps, _, base_p99, base_p99_best = rows["public"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print()
print(f"cognito-guard load benchmark: {os.cpu_count()} cores ({cpu}); wrk -t1 -c{conns}, {secs}s x {rounds} rounds interleaved, medians; {ntokens} distinct tokens for misses")
print()
def round_ratios(a, b):
    """rows[a] / rows[b] in req/s, round by round (the two ran minutes apart at most)."""
    return [x / y for x, y in zip(per_round[a], per_round[b])]
print("| scenario | req/s | ratio | ratio, rounds | p50 ms | p99 ms (median) | p99 ms (best round) | p99 ratio (best round) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for key, name in names.items():
    if key not in rows:
        continue
    rps, p50, p99, p99_best = rows[key]
    spread = round_ratios(key, "public")
    print(f"| {name} | {rps:,.0f} | {statistics.median(spread):.2f}x | {min(spread):.2f}-{max(spread):.2f} | {p50:.2f} | {p99:.2f} | {p99_best:.2f} | {p99_best/base_p99_best:.2f}x |")
print()
print("ratio: the median of the rounds' ratios to /messages/public, each measured in the")
print("same round (every other round runs the scenarios in reverse order), so a load that")
print("drifts over the run moves both sides; 'ratio, rounds' is their range.")
print()
print("p99 here is dominated by the scheduler: wrk and both workers share 2 vCPUs, and a")
print("preempted worker adds a few ms to the tail of any route, run to run. Such noise only")
print("adds, so the best round estimates what the code itself costs; both are shown.")
print()
print(f"peak RSS (VmHWM) under load: cache on {int(rss_cache)/1024:.1f} MiB, cache off {int(rss_nocache)/1024:.1f} MiB")
def ratio(a, b):
    """The median of rows[a] / rows[b] in req/s round by round, or None when either was not run."""
    return statistics.median(round_ratios(a, b)) if a in rows and b in rows else None
def shown(value):
    return "not run" if value is None else f"{value:.2f}x"
def sliced(a, b):
    """a / b in req/s over the short slices taken in turn: (ratio of the totals,
    lowest and highest ratio of two adjacent slices), or None when not run."""
    path = os.path.join(out, f"{a}.{b}.slices")
    if not os.path.exists(path):
        return None
    slices = [l.split() for l in open(path) if l.strip()]
    rates = {a: [], b: []}
    for name, requests, seconds in slices:
        rates[name].append((int(requests), float(seconds)))
    def rate(side):
        return sum(n for n, _ in side) / sum(t for _, t in side)
    adjacent = [(na / ta) / (nb / tb) for (na, ta), (nb, tb) in zip(rates[a], rates[b])]
    return rate(rates[a]) / rate(rates[b]), min(adjacent), max(adjacent)
def judged(a, b):
    """The ratio a target is judged on: over the slices taken in turn when they
    ran, else over the rounds; with how it was measured, for the output."""
    in_slices, in_rounds = sliced(a, b), ratio(a, b)
    if in_slices is None:
        return None if in_rounds is None else (in_rounds, "rounds")
    return in_slices[0], (f"slices, adjacent pairs {in_slices[1]:.2f}-{in_slices[2]:.2f}; "
                          f"rounds {in_rounds:.2f}x")
def judged_shown(v):
    return f"{v[0]:.2f}x ({v[1]})"
def at_least(limit):
    return lambda v: v[0] >= limit
pools_hit, hit = ratio("pools_hit", "public"), ratio("hit", "public")
p99r = rows["hit"][3] / base_p99_best if "hit" in rows else None
print()
print("gateways (same run): nginx + guard vs nginx + zero-cost guard "
      f"{shown(ratio('nginx_guard', 'nginx_zero'))}, vs nginx without auth {shown(ratio('nginx_guard', 'nginx_none'))} "
      f"(the zero-cost guard itself: {shown(ratio('nginx_zero', 'nginx_none'))} of no auth); Envoy ext_authz + guard "
      f"vs zero-cost guard {shown(ratio('envoy_guard', 'envoy_zero'))}, vs Envoy's own jwt_authn {shown(ratio('envoy_guard', 'envoy_jwt'))}")
print("identity headers alone (a zero-cost guard answering the same ones as this server): "
      f"nginx {shown(ratio('nginx_zero_id', 'nginx_zero'))} and Envoy {shown(ratio('envoy_zero_id', 'envoy_zero'))} "
      "of the plain zero-cost guard; this server vs that floor: "
      f"nginx {shown(ratio('nginx_guard', 'nginx_zero_id'))}, Envoy {shown(ratio('envoy_guard', 'envoy_zero_id'))} (reported, no target)")
def cpu(key):
    if key not in cpu_per_request:
        return "not run"
    return f"{cpu_per_request[key]:.1f} us (the gateway: {gateway_cpu_per_request[key]:.1f} us)"
print("CPU time per proxied request of the auth service, and of the gateway asking it (user +")
print("system time over the requests wrk saw, median of the rounds; less moved by the load")
print("than req/s):")
for gateway in ("nginx", "envoy"):
    print(f"  {gateway}: this server {cpu(gateway + '_guard')}; the zero-cost guard {cpu(gateway + '_zero')}; "
          f"the zero-cost guard with the identity headers {cpu(gateway + '_zero_id')}")
def gateway_cpu(key):
    return f"{gateway_cpu_per_request[key]:.1f} us" if key in gateway_cpu_per_request else "not run"
print(f"  the gateway alone: nginx without auth {gateway_cpu('nginx_none')}, "
      f"Envoy with its own jwt_authn {gateway_cpu('envoy_jwt')}")
print()
print(f"req/s targets: judged on {os.environ.get('BENCH_PAIR_SLICES', '10')} slices of "
      f"{os.environ.get('BENCH_PAIR_SECS', '2')}s a side taken in turn (total requests over total time)")
checks = [
    ("nginx auth_request to the guard >= 0.9x the same nginx asking a zero-cost guard",
     judged("nginx_guard", "nginx_zero"), at_least(0.9), judged_shown),
    ("Envoy ext_authz to the guard >= 0.9x the same Envoy asking a zero-cost guard",
     judged("envoy_guard", "envoy_zero"), at_least(0.9), judged_shown),
    ("cache hits >= 0.85x public req/s", judged("hit", "public"), at_least(0.85), judged_shown),
    ("cache hits with REDIS_URL set >= 0.85x public req/s", judged("hit_redis", "public"), at_least(0.85), judged_shown),
    ("cache misses >= 0.40x public req/s", judged("miss", "public"), at_least(0.40), judged_shown),
    ("two pools: cache hits within 0.05 of one pool's ratio", (pools_hit, hit) if None not in (pools_hit, hit) else None,
     lambda v: abs(v[0] - v[1]) <= 0.05, lambda v: f"{v[0]:.2f}x vs {v[1]:.2f}x"),
    ("two pools: cache misses >= 0.95x one pool's misses", judged("pools_miss", "miss"), at_least(0.95), judged_shown),
    ("/auth on cache hits >= 0.85x public req/s", judged("auth_hit", "public"), at_least(0.85), judged_shown),
    ("/auth with identity assertions >= 0.9x /auth without", judged("auth_assert", "auth_hit"), at_least(0.9), judged_shown),
    ("/auth decided by a 10-policy Cedar set >= 0.8x the same rule decided by TOML terms",
     judged("auth_cedar", "auth_terms"), at_least(0.8), judged_shown),
    ("nginx auth_request to the guard with assertions >= 0.9x nginx asking a zero-cost guard answering the same headers",
     judged("nginx_guard_assert", "nginx_zero_assert"), at_least(0.9), judged_shown),
    ("/auth reloading every 100 ms >= 0.9x /auth without reloads, none refused",
     (judged("auth_reload", "auth_hit") + (int(float(os.environ.get("RELOAD_FAILURES") or 0)),))
     if judged("auth_reload", "auth_hit") else None,
     lambda v: v[0] >= 0.9 and v[2] == 0,
     lambda v: f"{judged_shown(v[:2])}; {os.environ.get('GENERATIONS')} generations served, {v[2]} reloads refused"),
    ("p99 on cache hits within 1.5x of public (best rounds)", p99r, lambda v: v <= 1.5,
     lambda v: f"{v:.2f}x (medians: {rows['hit'][2] / base_p99:.2f}x)"),
    ("peak RSS < 30 MB with the default cache", int(rss_cache) * 1024, lambda v: v < 30_000_000,
     lambda v: f"{v/1024/1024:.1f} MiB"),
]
print()
for text, value, ok, show in checks:
    if value is None:
        print(f"  [not run] {text}")
    else:
        print(f"  [{'met' if ok(value) else 'MISSED'}] {text}: {show(value)}")
PY

if [ "${BENCH_SKIP_CRITERION:-0}" != 1 ]; then
  echo
  echo "criterion: one verification (hit, miss, the RSA check alone, jsonwebtoken::decode as a baseline)"
  cargo bench --locked --bench verify -- --noplot 2>&1 | grep -E '^[a-z_/ ]+time:|^verify' || true
  echo "criterion: one Cedar decision, 10 policies (target <= 10 us, entity build included)"
  cargo bench --locked --bench policy_decision -- --noplot 2>&1 | grep -E 'time:|^policy' || true
fi

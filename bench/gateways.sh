# Sourced by bench/run.sh: the gateway scenarios' processes. Uses its BIN,
# OUT, ISSUER, PIDS, free_port and start_server.
#
# - a backend (the "API"): nginx answering 200 at once;
# - a zero-cost guard: nginx answering 200 at once to /auth...: the floor of
#   what any auth service costs a gateway (its own hop and subrequest);
# - cognito-guard with examples/guard.toml (gateway nginx, and envoy);
# - in front: nginx running examples/nginx/nginx.conf (asking the guard, or
#   the zero-cost guard, or nothing: its auth_request line removed) and Envoy
#   running examples/envoy/envoy.yaml (asking the guard or the zero-cost
#   guard), and Envoy with its own jwt_authn filter instead, on the same token.
# Each gateway runs one worker (nginx's default, Envoy --concurrency 1), and
# so does each guard it asks: the zero-cost nginx (worker_processes 1, its
# default) and cognito-guard (HTTP_WORKERS=1), so that the two sides of a
# ratio get the same share of the machine (actix's default, a worker per
# CPU, would give the guard two threads on the machine's two vCPUs).

NGINX=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}
PIP_SCRIPTS=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
ENVOY=${ENVOY_BIN:-$(command -v envoy || echo "$PIP_SCRIPTS/envoy")}
[ -x "$NGINX" ] && [ -x "$ENVOY" ] || make -s gateway-test-deps
GW="$OUT/gateways"
rm -rf "$GW"; mkdir -p "$GW"

wait_200() { # url what
  for _ in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return
    sleep 0.1
  done
  echo "$2 did not answer 200 at $1; see $GW" >&2; exit 1
}

# Each nginx or Envoy by its name, "-" read as "_" (a gateway's name is
# its scenario's), for the CPU time each spends per request.
declare -A PROCESS_PIDS
start_nginx() { # name config
  mkdir -p "$GW/$1"
  "$NGINX" -p "$GW/$1" -c "$2" 2> "$GW/$1.log" &
  PIDS+=($!); PROCESS_PIDS[${1//-/_}]=$!
}

# The backend and the zero-cost guard.
PORT_BACKEND=$(free_port); PORT_ZERO=$(free_port)
cat > "$GW/backends.conf" <<EOF
daemon off; pid nginx.pid; error_log stderr warn; events {}
http {
  access_log off;
  server { listen 127.0.0.1:$PORT_BACKEND; location / { return 200 "ok\n"; } }
}
EOF
cat > "$GW/zero.conf" <<EOF
daemon off; pid nginx.pid; error_log stderr warn; events {}
http {
  access_log off;
  server { listen 127.0.0.1:$PORT_ZERO; location /auth { return 200; } }
}
EOF
start_nginx backend "$PWD/$GW/backends.conf"
start_nginx zero "$PWD/$GW/zero.conf"

# The guards: the bench servers' settings plus the example rules.
sed 's/gateway = "nginx"/gateway = "envoy"/' examples/guard.toml > "$GW/guard-envoy.toml"
cp -r examples/policies "$GW/"
PORT_GW_NGINX=$(free_port)
PID_GW_NGINX=$(start_server gw-nginx "$PORT_GW_NGINX" HTTP_WORKERS=1 GUARD_CONFIG="$PWD/examples/guard.toml"); PIDS+=("$PID_GW_NGINX")
PORT_GW_ENVOY=$(free_port)
PID_GW_ENVOY=$(start_server gw-envoy "$PORT_GW_ENVOY" HTTP_WORKERS=1 GUARD_CONFIG="$PWD/$GW/guard-envoy.toml"); PIDS+=("$PID_GW_ENVOY")

# nginx in front, from the example as it is but for its addresses.
nginx_front() { # name guard-port port [sed expression]
  sed -e "s/127.0.0.1:6969/127.0.0.1:$2/; s/127.0.0.1:8080/127.0.0.1:$PORT_BACKEND/; s/127.0.0.1:8000/127.0.0.1:$3/" \
    ${4:+-e "$4"} examples/nginx/nginx.conf > "$GW/$1.conf"
  start_nginx "$1" "$PWD/$GW/$1.conf"
}
PORT_NGINX_GUARD=$(free_port); nginx_front nginx-guard "$PORT_GW_NGINX" "$PORT_NGINX_GUARD"
PORT_NGINX_ZERO=$(free_port); nginx_front nginx-zero "$PORT_ZERO" "$PORT_NGINX_ZERO"
PORT_NGINX_NONE=$(free_port); nginx_front nginx-none "$PORT_ZERO" "$PORT_NGINX_NONE" '/auth_request \/_guard;/d'

# Envoy in front, from the example as it is but for its addresses.
start_envoy() { # name config
  "$ENVOY" --disable-hot-restart --concurrency 1 --log-level warn -c "$2" > "$GW/$1.log" 2>&1 &
  PIDS+=($!); PROCESS_PIDS[${1//-/_}]=$!
}
envoy_front() { # name guard-port port
  sed -e "s/port_value: 6969/port_value: $2/; s/127.0.0.1:6969/127.0.0.1:$2/" \
      -e "s/port_value: 8080/port_value: $PORT_BACKEND/; s/port_value: 8000/port_value: $3/" \
    examples/envoy/envoy.yaml > "$GW/$1.yaml"
  start_envoy "$1" "$GW/$1.yaml"
}
PORT_ENVOY_GUARD=$(free_port); envoy_front envoy-guard "$PORT_GW_ENVOY" "$PORT_ENVOY_GUARD"
PORT_ENVOY_ZERO=$(free_port); envoy_front envoy-zero "$PORT_ZERO" "$PORT_ENVOY_ZERO"

# Envoy's own JWT filter on the same token: the bench key's JWKS from a
# file, Cognito's issuer and client, its verified-token cache on.
PORT_ENVOY_JWT=$(free_port)
cat > "$GW/envoy-jwt.yaml" <<EOF
static_resources:
  listeners:
    - address: { socket_address: { address: 127.0.0.1, port_value: $PORT_ENVOY_JWT } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: api
                route_config:
                  virtual_hosts:
                    - { name: api, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: api } }] }
                http_filters:
                  - name: envoy.filters.http.jwt_authn
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                      providers:
                        cognito:
                          issuer: "$ISSUER"
                          audiences: [cognitoguarddevclient0001]
                          local_jwks: { filename: "$PWD/$OUT/jwks/jwks.json" }
                          forward: true
                          claim_to_headers: [{ header_name: x-auth-request-user, claim_name: sub }]
                          jwt_cache_config: { jwt_cache_size: 1000 }
                      rules:
                        - { match: { prefix: "/healthz" } }
                        - { match: { prefix: "/" }, requires: { provider_name: cognito } }
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
    - name: api
      type: STATIC
      load_assignment:
        cluster_name: api
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $PORT_BACKEND } } } }] }]
EOF
start_envoy envoy-jwt "$GW/envoy-jwt.yaml"

# A zero-cost guard that answers the same identity headers as this server
# does for the bench token (read off its /auth answer; an empty value as
# `-`, since nginx's add_header drops empty ones): the floor of any auth
# service that must send them, since the gateway copies each one.
# The identity headers of the guard on port $1 for the bench token, as
# nginx add_header lines.
headers_of() { # guard-port
  curl -fsS -o /dev/null -D - -H "Authorization: Bearer $ONE_TOKEN" \
      -H "X-Original-Method: GET" -H "X-Original-URI: /api/orders" "http://127.0.0.1:$1/auth" \
    | tr -d '\r' | awk -F': ' 'tolower($1) ~ /^x-auth-request-/ { v = $2; if (v == "") v = "-"; printf "add_header %s \"%s\" always; ", $1, v }'
}
# A zero-cost guard (nginx) on port $2 answering /auth with these headers.
zero_guard() { # name port add_header-lines
  cat > "$GW/$1.conf" <<CONF
daemon off; pid nginx.pid; error_log stderr warn; events {}
http {
  access_log off;
  server { listen 127.0.0.1:$2; location /auth { $3 return 200; } }
}
CONF
  start_nginx "$1" "$PWD/$GW/$1.conf"
}
PORT_ZERO_ID=$(free_port)
ID_HEADERS=$(headers_of "$PORT_GW_NGINX")
# Ten identity headers and the (empty, here) assertion.
[ "$(grep -o add_header <<< "$ID_HEADERS" | wc -l)" = 11 ] \
  || { echo "the guard's /auth answer does not carry the 11 identity headers" >&2; exit 1; }
zero_guard zero-id "$PORT_ZERO_ID" "$ID_HEADERS"
PORT_NGINX_ZERO_ID=$(free_port); nginx_front nginx-zero-id "$PORT_ZERO_ID" "$PORT_NGINX_ZERO_ID"

# With identity assertions: a guard signing them (examples/guard.toml plus
# the table), nginx in front of it, and a zero-cost guard answering the same
# headers, its assertion included (a real one, read off the guard's answer).
with_assertions "$PWD/examples/guard.toml" > "$GW/guard-assert.toml"
PORT_GW_NGINX_ASSERT=$(free_port)
PID_GW_NGINX_ASSERT=$(start_server gw-nginx-assert "$PORT_GW_NGINX_ASSERT" HTTP_WORKERS=1 GUARD_CONFIG="$PWD/$GW/guard-assert.toml"); PIDS+=("$PID_GW_NGINX_ASSERT")
PORT_NGINX_GUARD_ASSERT=$(free_port); nginx_front nginx-guard-assert "$PORT_GW_NGINX_ASSERT" "$PORT_NGINX_GUARD_ASSERT"
PORT_ZERO_ASSERT=$(free_port)
ASSERT_HEADERS=$(headers_of "$PORT_GW_NGINX_ASSERT")
grep -qi 'x-auth-request-assertion "ey' <<< "$ASSERT_HEADERS" \
  || { echo "the asserting guard's /auth answer carries no assertion" >&2; exit 1; }
zero_guard zero-assert "$PORT_ZERO_ASSERT" "$ASSERT_HEADERS"
PORT_NGINX_ZERO_ASSERT=$(free_port); nginx_front nginx-zero-assert "$PORT_ZERO_ASSERT" "$PORT_NGINX_ZERO_ASSERT"
PORT_ENVOY_ZERO_ID=$(free_port); envoy_front envoy-zero-id "$PORT_ZERO_ID" "$PORT_ENVOY_ZERO_ID"

for port in $PORT_NGINX_GUARD $PORT_NGINX_ZERO $PORT_NGINX_NONE $PORT_ENVOY_GUARD $PORT_ENVOY_ZERO $PORT_ENVOY_JWT $PORT_NGINX_ZERO_ID $PORT_ENVOY_ZERO_ID $PORT_NGINX_GUARD_ASSERT $PORT_NGINX_ZERO_ASSERT; do
  wait_200 "http://127.0.0.1:$port/healthz" "the gateway on $port"
done
# Each auth really is consulted: no token, no entry (but where none asks).
for port in $PORT_NGINX_GUARD $PORT_ENVOY_GUARD $PORT_ENVOY_JWT $PORT_NGINX_GUARD_ASSERT; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/orders")
  [ "$code" = 401 ] || { echo "the gateway on $port let a request without a token through ($code)" >&2; exit 1; }
done

# nginx's workers, now started, beside their master.
for name in "${!PROCESS_PIDS[@]}"; do
  PROCESS_PIDS[$name]="${PROCESS_PIDS[$name]} $( (pgrep -P "${PROCESS_PIDS[$name]}" || true) | tr "\n" " ")"
done

#!/usr/bin/env bash
# `make gateway-demo`: cognito-guard in dev mode with the rules of
# examples/guard.toml plus identity assertions signed by a fresh key, nginx
# (examples/nginx/nginx.conf, as it is) on 127.0.0.1:8000 in front of
# examples/verifying_upstream.py on 127.0.0.1:8080, which refuses any
# request without a valid assertion and answers with the verified claims.
# Prints curl lines to try, then runs until Ctrl-C, which stops everything
# it started.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${GUARD_BIN:-target/release/cognito-guard}
[ -x "$BIN" ] || cargo build --release --locked
NGINX=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}

for port in 6969 8080 8000; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "127.0.0.1:$port is in use; stop what listens there first" >&2
    exit 1
  fi
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/cognito-guard-demo.XXXXXX")
PIDS=()
stop() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$SCRATCH"
}
trap stop EXIT INT TERM

# The guard: `make run`'s dev settings, plus the rules and assertions.
ISSUER=https://guard.demo.invalid
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$SCRATCH/assert.pem"
{ cat examples/guard.toml
  printf '\n[forward_auth.assertion]\nissuer = "%s"\nsigning_keys = ["assert.pem"]\n' "$ISSUER"
} > "$SCRATCH/guard.toml"
cp -r examples/policies "$SCRATCH/"
GUARD_CONFIG="$SCRATCH/guard.toml" RUST_LOG=${RUST_LOG:-info} \
  "$BIN" --env-file config/dev.env 2> "$SCRATCH/guard.log" &
PIDS+=($!)
# Every rule of examples/guard.toml that admits callers is one of its
# audiences; /healthz and /api/public/ need no assertion.
python3 examples/verifying_upstream.py 8080 --jwks http://127.0.0.1:6969/.well-known/jwks.json \
  --issuer "$ISSUER" --audience api,admin,feed,reports-service,tenant-data --public /healthz,/api/public/,/api/feed &
PIDS+=($!)
"$NGINX" -p "$SCRATCH" -c "$PWD/examples/nginx/nginx.conf" 2> "$SCRATCH/nginx.log" &
PIDS+=($!)

ready() { curl -fs -o /dev/null "$1"; }
for _ in $(seq 100); do
  ready http://127.0.0.1:6969/readyz && ready http://127.0.0.1:8000/healthz && break
  sleep 0.1
done
if ! ready http://127.0.0.1:8000/healthz; then
  echo "the demo did not start:" >&2
  cat "$SCRATCH/guard.log" "$SCRATCH/nginx.log" >&2
  exit 1
fi

cat <<EOF

cognito-guard (dev mode, rules: examples/guard.toml) on 127.0.0.1:6969
nginx (examples/nginx/nginx.conf) on 127.0.0.1:8000, in front of
examples/verifying_upstream.py on 127.0.0.1:8080, which verifies the signed
identity assertion. Try, in another shell:

  curl -i http://127.0.0.1:8000/api/orders                      # 401, no token
  TOKEN=\$($BIN token --sub 0d7c9e2a-5b1f-4c3d-8e6a-1f2b3c4d5e6f --email alice@example.com)
  curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8000/api/orders        # 200, identity
  curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8000/api/admin/users   # 403
  ADMIN=\$($BIN token --group admin)
  curl -i -H "Authorization: Bearer \$ADMIN" http://127.0.0.1:8000/api/admin/users   # 200
  curl -i -H "X-Auth-Request-User: root" http://127.0.0.1:8000/api/public/hello      # 200, no identity
  ACME=\$($BIN token --sub acme-user --attribute custom:tenant_id=acme)
  curl -i -H "Authorization: Bearer \$ACME" http://127.0.0.1:8000/api/tenants/acme/orders    # 200 (policy own-tenant)
  curl -i -H "Authorization: Bearer \$ACME" http://127.0.0.1:8000/api/tenants/globex/orders  # 403 (no policy permits)
  curl -i -H "X-Auth-Request-User: root" http://127.0.0.1:8080/api/orders            # 401 past the gateway

Ctrl-C stops the guard, nginx and the upstream.
EOF
wait

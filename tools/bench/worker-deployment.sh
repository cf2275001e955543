#!/usr/bin/env bash
# Starts (or stops) a worker deployment for benchmarks, the way docs/worker-mode.md sets one up:
# main, generic workers worker1..N, event persisters persister1..M, a fresh PostgreSQL database,
# Redis channels of its own, the processes under `npm run synctl` and nginx on the config that
# `npm run proxy-config` generates. With 3 or more generic workers the last one only takes initial
# syncs (proxy-config's initial_sync pool), so in a sync-latency run it serves the setup's first
# syncs and then only follows replication: its CPU in the measured window is the cost of following.
#
#   GENERIC_WORKERS=N (default 3), PERSISTERS=M (default 2)
#
#   tools/bench/worker-deployment.sh start <dir>   # prints the variables the harness needs
#   tools/bench/worker-deployment.sh stop <dir>
#
# Needs `npm run build` (dist/apps/main, dist/apps/generic-worker), PostgreSQL, Redis and nginx.
# Ports: nginx 18000, main 18008 (client) and 19093 (replication), workers 18081.., persisters
# 19094... Override the database server with CHAT_BENCH_POSTGRES_URL.
set -euo pipefail

command=${1:?start or stop}
dir=$(realpath -m "${2:?a directory for configs, pid files and logs}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
pg_server=${CHAT_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
generic_workers=${GENERIC_WORKERS:-3}
persisters=${PERSISTERS:-2}

synctl() {
  (cd "$repo" && npm run -s synctl -- "$@" -c "$dir/homeserver.yaml" --workers "$dir/workers" \
    --run-dir "$dir/run")
}

if [[ $command == stop ]]; then
  [[ -f $dir/nginx.pid ]] && "$nginx" -p "$dir" -c "$dir/nginx.conf" -s stop || true
  synctl stop || true
  database=$(cat "$dir/database")
  psql "$pg_server" -qc "DROP DATABASE IF EXISTS $database" || true
  exit 0
fi
[[ $command == start ]] || { echo "usage: $0 start|stop <dir>" >&2; exit 1; }

mkdir -p "$dir/workers" "$dir/run" "$dir/nginx-temp"
database=chat_bench_workers_$(openssl rand -hex 4)
echo "$database" >"$dir/database"
psql "$pg_server" -qc "CREATE DATABASE $database"
database_url=${pg_server%/*}/$database
secret=$(openssl rand -hex 16)

listener() { # port, resources...
  local port=$1
  shift
  local names
  names=$(printf "'%s', " "$@")
  printf "  - {port: %s, type: http, bind_addresses: ['127.0.0.1'], x_forwarded: true, resources: [{names: [%s]}]}\n" \
    "$port" "${names%, }"
}

unlimited='{per_second: 100000, burst_count: 100000}'
cat >"$dir/homeserver.yaml" <<YAML
server_name: localhost
public_baseurl: http://127.0.0.1:18000/
listeners:
$(listener 18008 client)
$(listener 19093 replication)
database: {name: postgres, args: {url: '$database_url', cp_min: 2, cp_max: 10}}
signing_key_path: $dir/signing.key
media_store_path: $dir/media
registration_shared_secret: '$secret'
password_hashing_cost: 1
log: {level: warn}
rc_message: $unlimited
rc_registration: $unlimited
rc_login: {address: $unlimited, account: $unlimited, failed_attempts: $unlimited}
rc_joins: {local: $unlimited, remote: $unlimited}
rc_invites: {per_room: $unlimited, per_user: $unlimited, per_issuer: $unlimited}
redis: {enabled: true, host: 127.0.0.1, port: 6379, channel_prefix: '$database:'}
worker_replication_secret: '$(openssl rand -hex 16)'
instance_map:
  main: {host: 127.0.0.1, port: 19093}
$(for i in $(seq "$persisters"); do echo "  persister$i: {host: 127.0.0.1, port: $((19093 + i))}"; done)
stream_writers:
  events: [$(seq -s, -f 'persister%g' "$persisters")]
YAML

worker() { # name, listener lines
  printf "worker_app: chat.app.generic_worker\nworker_name: %s\nworker_listeners:\n%s\n" "$1" "$2" \
    >"$dir/workers/$1.yaml"
}
for i in $(seq "$generic_workers"); do worker "worker$i" "$(listener $((18080 + i)) client)"; done
for i in $(seq "$persisters"); do worker "persister$i" "$(listener $((19093 + i)) replication)"; done
pools=()
((generic_workers >= 3)) && pools=(--pool "initial_sync=worker$generic_workers")

# Main first: it creates the tables (and the signing key) the others start on.
synctl start main
synctl start

(cd "$repo" && npm run -s proxy-config -- --kind nginx -c "$dir/homeserver.yaml" \
  --workers "$dir/workers" --listen 127.0.0.1:18000 "${pools[@]}") >"$dir/chat.conf"
cat >"$dir/nginx.conf" <<NGINX
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events {}
http {
    access_log off;
$(for kind in client_body proxy fastcgi uwsgi scgi; do echo "    ${kind}_temp_path $dir/nginx-temp/$kind;"; done)
    include $dir/chat.conf;
}
NGINX
"$nginx" -p "$dir" -c "$dir/nginx.conf"

cat <<EOF
# nginx on http://127.0.0.1:18000; pid files in $dir/run
export BENCH_SHARED_SECRET='$secret'
# e.g.: npm run bench -- sync-latency --base-url http://127.0.0.1:18000 --pid-dir $dir/run
EOF

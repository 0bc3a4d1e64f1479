#!/usr/bin/env bash
# The HTTP end-to-end tests again, with mnemo reaching PostgreSQL through PgBouncer in
# transaction pooling mode (what Neon's pooler and most managed poolers do).
#
# usage: test/e2e/pgbouncer.sh   (same environment as run.sh; skipped without MNEMO_TEST_DSN)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)

if [[ -z "${MNEMO_TEST_DSN:-}" ]]; then
    echo "test/e2e/pgbouncer: MNEMO_TEST_DSN is not set; skipping" >&2
    exit 77
fi
pgbouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
if [[ ! -x "${pgbouncer}" ]]; then
    echo "test/e2e/pgbouncer: pgbouncer is not installed (scripts/bootstrap installs it)" >&2
    exit 1
fi

read -r pg_host pg_port < <(psql "${MNEMO_TEST_DSN}" -X -A -t -F ' ' \
    -c "SELECT coalesce(host(inet_server_addr()), '127.0.0.1'), inet_server_port()")
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

dir=$(mktemp -d /tmp/mnemo-pgbouncer.XXXXXX)
cleanup() {
    if [[ -f "${dir}/pgbouncer.pid" ]]; then
        kill "$(cat "${dir}/pgbouncer.pid")" 2>/dev/null || true
    fi
    rm -rf "${dir}"
}
trap cleanup EXIT

# Users not in the auth file are looked up with auth_query as the cluster's superuser (the
# test cluster trusts local TCP), so every per-test role mnemo's tests create can connect.
cat >"${dir}/pgbouncer.ini" <<INI
[databases]
* = host=${pg_host} port=${pg_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${dir}/userlist.txt
auth_user = postgres
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename = \$1
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
logfile = ${dir}/pgbouncer.log
pidfile = ${dir}/pgbouncer.pid
INI
echo '"postgres" ""' >"${dir}/userlist.txt"

# PgBouncer refuses to run as root.
run_as=()
if ((EUID == 0)); then
    chown -R postgres "${dir}"
    run_as=(runuser -u postgres --)
fi
"${run_as[@]}" "${pgbouncer}" -d "${dir}/pgbouncer.ini"
for _ in $(seq 100); do
    if psql "host=127.0.0.1 port=${port} user=postgres dbname=postgres" -X -q -c 'SELECT 1' \
        >/dev/null 2>&1; then
        break
    fi
    sleep 0.1
done

echo "test/e2e/pgbouncer: PgBouncer (transaction mode) on 127.0.0.1:${port}" >&2
export MNEMO_E2E_PGBOUNCER="127.0.0.1:${port}"
export MNEMO_E2E_TESTS="./http_transport.test.mjs ./http_sessions.test.mjs ./http_auth.test.mjs"
status=0
"${here}/run.sh" "$@" || status=$?
# Proof that the traffic went through PgBouncer: transactions it pooled for the test databases.
pooled=$(psql "host=127.0.0.1 port=${port} user=postgres dbname=pgbouncer" -X -A -t \
    -c 'SHOW STATS' | awk -F'|' '$1 ~ /^mnemo_e2e_/ {sum += $2} END {print sum + 0}')
echo "test/e2e/pgbouncer: PgBouncer pooled ${pooled} transactions of the test databases" >&2
if ((status == 0 && pooled == 0)); then
    echo "test/e2e/pgbouncer: no traffic went through PgBouncer" >&2
    status=1
fi
if ((status != 0)); then
    echo "--- pgbouncer.log" >&2
    tail -n 30 "${dir}/pgbouncer.log" >&2 || true
fi
exit "${status}"

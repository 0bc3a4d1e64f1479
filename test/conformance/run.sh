#!/usr/bin/env bash
# The official MCP conformance suite against mnemo: @modelcontextprotocol/conformance 0.1.16
# (every active server scenario) and 0.2.0-alpha.12 (--requirements 2025-11-25), both on Node 22
# installed from npm into this folder (package-lock.json pins every version).
#
# usage: test/conformance/run.sh [RESULTS_DIR]
# Env:   MNEMO_BINARY    the mnemo executable (default: build/dev/mnemo in this checkout)
#        MNEMO_TEST_DSN  superuser DSN of a PostgreSQL cluster; without it the run is skipped
#                        (exit 77). A role and database are created for the run and dropped.
# Starts `mnemo serve --http 127.0.0.1:PORT --conformance-fixtures` (MNEMO_AUTH=none), runs both
# suites, prints their summaries and exits non-zero when any check fails. RESULTS_DIR (default a
# temporary directory) receives the suites' checks.json files and mnemo's log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
cd "${here}"

if [[ -z "${MNEMO_TEST_DSN:-}" ]]; then
    echo "test/conformance: MNEMO_TEST_DSN is not set; skipping the conformance suite" >&2
    exit 77
fi
binary=${MNEMO_BINARY:-${here}/../../build/dev/mnemo}
if [[ ! -x "${binary}" ]]; then
    echo "test/conformance: mnemo binary not found: ${binary} (set MNEMO_BINARY)" >&2
    exit 1
fi

"${here}/../../scripts/npm-install" "${here}"
node22=${here}/node_modules/.bin/node
if [[ "$("${node22}" --version)" != v22.* ]]; then
    echo "test/conformance: expected Node 22 from npm, got $("${node22}" --version)" >&2
    exit 1
fi

results=${1:-$(mktemp -d -t mnemo-conformance.XXXXXX)}
mkdir -p "${results}"
name=mnemo_conformance_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
password=$(od -An -N12 -tx4 /dev/urandom | tr -d ' ')
psql "${MNEMO_TEST_DSN}" -X -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'" \
    -c "CREATE DATABASE ${name} OWNER ${name}"
database_url=$("${node22}" -e '
    const url = new URL(process.argv[1]);
    url.username = process.argv[2]; url.password = process.argv[3]; url.pathname = "/" + process.argv[2];
    console.log(url.toString());' "${MNEMO_TEST_DSN}" "${name}" "${password}")
port=$("${node22}" -e '
    const server = require("net").createServer().listen(0, "127.0.0.1", () => {
        console.log(server.address().port); server.close(); });')
home=$(mktemp -d -t mnemo-conformance-home.XXXXXX)
server_pid=""

cleanup() {
    if [[ -n "${server_pid}" ]]; then
        kill "${server_pid}" 2>/dev/null || true
        wait "${server_pid}" 2>/dev/null || true
    fi
    psql "${MNEMO_TEST_DSN}" -X -q -c "DROP DATABASE IF EXISTS ${name} WITH (FORCE)" \
        -c "DROP ROLE IF EXISTS ${name}" >/dev/null 2>&1 || true
    rm -rf -- "${home}"
}
trap cleanup EXIT

env -u MNEMO_AUTH DATABASE_URL="${database_url}" MNEMO_HOME="${home}" MNEMO_AUTH=none \
    MNEMO_SECRET="conformance-${name}" MNEMO_LOG_LEVEL=warning \
    "${binary}" serve --http "127.0.0.1:${port}" --conformance-fixtures \
    2>"${results}/mnemo.log" &
server_pid=$!
healthy() {
    "${node22}" -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
        "http://127.0.0.1:${port}/healthz"
}
for _ in $(seq 1 300); do
    if healthy; then break; fi
    if ! kill -0 "${server_pid}" 2>/dev/null; then
        echo "test/conformance: mnemo exited before listening:" >&2
        cat "${results}/mnemo.log" >&2
        exit 1
    fi
    sleep 0.1
done

# The suite requires a localhost URL (its DNS-rebinding scenario depends on it).
url="http://localhost:${port}/mcp"
failed=0
run_suite() {
    local label=$1 package=$2 log=${results}/$1.log rc=0
    shift 2
    echo "== conformance ${label}: $* ==" >&2
    "${node22}" "node_modules/${package}/dist/index.js" server --url "${url}" \
        -o "${results}/${label}" "$@" >"${log}" 2>&1 || rc=$?
    # Per-scenario lines and the totals; the whole log only when something failed.
    grep -E '^(✓|✗|Total:|Not scored|  [✓✗])' "${log}" >&2 || true
    if ((rc != 0)) || grep -qE '^✗' "${log}"; then
        echo "test/conformance: ${label} failed (exit ${rc}); full log:" >&2
        cat "${log}" >&2
        failed=1
    fi
}
run_suite "0.1.16" conformance-stable --suite active
run_suite "0.2.0-alpha.12" conformance-next --requirements 2025-11-25
if ! kill -0 "${server_pid}" 2>/dev/null; then
    echo "test/conformance: mnemo died during the suites:" >&2
    cat "${results}/mnemo.log" >&2
    exit 1
fi
echo "test/conformance: results in ${results}" >&2
exit "${failed}"

#!/usr/bin/env bash
# End-to-end suite: the mnemo binary driven over stdio by the official MCP TypeScript SDK client.
#
# usage: test/e2e/run.sh [node --test options...]
# Env:   MNEMO_BINARY    the mnemo executable (default: build/dev/mnemo in this checkout)
#        MNEMO_TEST_DSN  superuser DSN of a PostgreSQL cluster; without it the suite is skipped
#                        (exit 77). Each test file creates and drops its own role and database.
#        MNEMO_E2E_LOG=1 copy the mnemo processes' JSON logs to stderr
#        MNEMO_E2E_TESTS  test files to run (default: every *.test.mjs)
#        MNEMO_E2E_EXCLUDE test files to leave out (space-separated names)
# Installs the pinned npm packages (npm ci) into test/e2e/node_modules when they are missing or
# older than package-lock.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
cd "${here}"

if [[ -z "${MNEMO_TEST_DSN:-}" ]]; then
    echo "test/e2e: MNEMO_TEST_DSN is not set; skipping the end-to-end suite" >&2
    exit 77
fi

binary=${MNEMO_BINARY:-${here}/../../build/dev/mnemo}
if [[ ! -x "${binary}" ]]; then
    echo "test/e2e: mnemo binary not found or not executable: ${binary} (set MNEMO_BINARY)" >&2
    exit 1
fi
# Absolute: the tests start mnemo in temporary working directories.
MNEMO_BINARY=$(cd "$(dirname "${binary}")" && pwd -P)/$(basename "${binary}")
export MNEMO_BINARY

for tool in node npm psql; do
    if ! command -v "${tool}" >/dev/null; then
        echo "test/e2e: '${tool}' is not installed (needed: Node.js >= 20 with npm, psql)" >&2
        exit 1
    fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
    echo "test/e2e: Node.js >= 20 is needed, found $(node --version)" >&2
    exit 1
fi

"${here}/../../scripts/npm-install" "${here}"

read -r -a tests <<<"${MNEMO_E2E_TESTS:-$(echo ./*.test.mjs)}"
selected=()
for test in "${tests[@]}"; do
    [[ " ${MNEMO_E2E_EXCLUDE:-} " == *" $(basename "${test}") "* ]] || selected+=("${test}")
done
exec node --test --test-reporter=spec --test-concurrency=4 --test-timeout=120000 "$@" \
    "${selected[@]}"

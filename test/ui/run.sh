#!/usr/bin/env bash
# The /ui memory browser in a real headless browser: Debian's chromium driven by puppeteer-core
# (pinned in package-lock.json; it never downloads a browser). Takes docs/ui/*.png on the way.
#
# usage: test/ui/run.sh [node --test options...]
# Env:   MNEMO_BINARY    the mnemo executable (default: build/dev/mnemo in this checkout)
#        MNEMO_TEST_DSN  superuser DSN of a PostgreSQL cluster; without it the suite is skipped (77)
#        MNEMO_CHROMIUM  the browser (default /usr/bin/chromium; `scripts/bootstrap` installs it)
#        MNEMO_UI_SHOTS  where the screenshots go (default: docs/ui in this checkout)
#        MNEMO_E2E_LOG=1 copy mnemo's JSON logs to stderr
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
cd "${here}"

if [[ -z "${MNEMO_TEST_DSN:-}" ]]; then
    echo "test/ui: MNEMO_TEST_DSN is not set; skipping the browser tests" >&2
    exit 77
fi
binary=${MNEMO_BINARY:-${here}/../../build/dev/mnemo}
if [[ ! -x "${binary}" ]]; then
    echo "test/ui: mnemo binary not found or not executable: ${binary} (set MNEMO_BINARY)" >&2
    exit 1
fi
MNEMO_BINARY=$(cd "$(dirname "${binary}")" && pwd -P)/$(basename "${binary}")
export MNEMO_BINARY
export MNEMO_CHROMIUM=${MNEMO_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x "${MNEMO_CHROMIUM}" ]]; then
    echo "test/ui: ${MNEMO_CHROMIUM} is missing: run scripts/bootstrap (Debian's chromium package)" >&2
    exit 1
fi
export MNEMO_UI_SHOTS=${MNEMO_UI_SHOTS:-${here}/../../docs/ui}

# The fixtures (databases, tokens, mnemo processes, MCP clients) are the e2e suite's.
"${here}/../../scripts/npm-install" "${here}/../e2e"
"${here}/../../scripts/npm-install" "${here}"
exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout=180000 "$@" ./*.test.mjs

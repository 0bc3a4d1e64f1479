#!/usr/bin/env bash
# A real Claude Code (the npm package pinned here) runs mnemo's hooks, start to end, on the
# embedded cluster in a scratch MNEMO_HOME: SessionStart briefs, UserPromptSubmit adds the
# relevant rule, PreToolUse denies a guarded command, SessionEnd stores an automatic handover.
# The model is fake_messages_api.mjs (no account, no network). Manual, not part of CI: the
# package is a 250 MB download. Usage: test/claude_code/trial.sh [MNEMO_BINARY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${here}/../.." && pwd)
mnemo=$(realpath "${1:-${MNEMO_BINARY:-${repo}/build/release/mnemo}}")
"${repo}/scripts/npm-install" "${here}"
claude=${here}/node_modules/@anthropic-ai/claude-code/bin/claude.exe
# npm may skip the package's install script, which puts the platform's binary in place.
"${claude}" --version >/dev/null 2>&1 ||
    (cd "${here}/node_modules/@anthropic-ai/claude-code" && node install.cjs >/dev/null)

work=$(mktemp -d -t mnemo-claude-code.XXXXXX)
api_pid=""
cleanup() {
    [[ -n "${api_pid}" ]] && kill "${api_pid}" 2>/dev/null
    "${mnemo}" pg stop --home "${work}/home/.mnemo" >/dev/null 2>&1 || true
    rm -rf -- "${work}"
}
trap cleanup EXIT
export HOME=${work}/home MNEMO_HOME=${work}/home/.mnemo
mkdir -p "${HOME}" "${work}/trial-project"
cd "${work}/trial-project"
git init -q .

"${mnemo}" hooks install --scope project
# One rule with a guard, stored over stdio as an assistant would.
{
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"trial","version":"1"}}}'
    echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"lock_context","arguments":{"topic":"rules/no-force-push","content":"Never force-push to main; open a pull request instead.","guard":{"pattern":"git\\s+push\\s+.*--force","decision":"deny"}}}}'
} | "${mnemo}" serve --stdio 2>"${work}/serve.log" | grep -q '"version":1' ||
    { cat "${work}/serve.log" >&2; echo "trial: lock_context failed" >&2; exit 1; }

node "${here}/fake_messages_api.mjs" >"${work}/port" 2>"${work}/api.log" &
api_pid=$!
for _ in $(seq 50); do [[ -s "${work}/port" ]] && break; sleep 0.1; done
export ANTHROPIC_API_KEY=sk-ant-trial ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat "${work}/port")
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
timeout 120 "${claude}" -p "push my branch to main, force it" --debug-file "${work}/debug.log" \
    >"${work}/answer.txt"

failed=0
expect() {  # expect FILE TEXT WHAT
    if grep -qF -- "$2" "$1"; then echo "trial: ok: $3"; else echo "trial: MISSING: $3" >&2; failed=1; fi
}
expect "${work}/debug.log" "mnemo hook SessionStart) provided additionalContext" \
    "SessionStart briefed the assistant"
expect "${work}/debug.log" "mnemo hook UserPromptSubmit) provided additionalContext" \
    "UserPromptSubmit added the relevant rule"
expect "${work}/debug.log" "returned permissionDecision: deny" "PreToolUse denied the command"
expect "${work}/api.log" "mnemo guard 'rules/no-force-push' (v1) matches 'git push --force origin main'" \
    "the model got the guard's reason as the tool's result"
expect "${work}/debug.log" "mnemo hook SessionEnd] completed with status 0" "SessionEnd ran"
{
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"trial","version":"1"}}}'
    echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wake_up","arguments":{}}}'
} | "${mnemo}" serve --stdio 2>>"${work}/serve.log" >"${work}/wake_up.json"
expect "${work}/wake_up.json" "automatic handover" "wake_up shows the automatic handover"
expect "${work}/wake_up.json" "push my branch to main, force it" "the handover lists the request"
echo "trial: Claude Code $("${claude}" --version 2>/dev/null | head -1), ${mnemo}"
exit "${failed}"

#!/usr/bin/env bash
# The layer table is written three times: the libraries' dependencies in server/CMakeLists.txt
# (what the compiler enforces), the table of scripts/check-layers and the "What CMake enforces"
# table of docs/architecture.md. Fails, showing the difference, unless all three agree; and
# fails when a temporary dependency of issue 16 (mnemo_layer_exception) has no crossing left in
# scripts/layer-exceptions.txt.
#   check_table.sh <build's layer-table.txt> <source root> [<build's layer-exceptions.txt>]
set -euo pipefail
build_table=$1
root=$2
build_exceptions=${3:-}
status=0

if [[ -n "${build_exceptions}" ]]; then
    while IFS=: read -r layer dep; do
        [[ -n "${layer}" ]] || continue
        if ! grep -qE "^server/src/${layer}/[^ ]+ ${dep}\$" "${root}/scripts/layer-exceptions.txt"; then
            echo "check_table: scripts/layer-exceptions.txt lists no crossing from ${layer}/ to" \
                "${dep} any more: delete ${dep} from mnemo_layer_exception(${layer} ...) in" \
                "server/CMakeLists.txt" >&2
            status=1
        fi
    done <"${build_exceptions}"
fi

# The build's table without cli (check-layers lets cli include everything).
if ! diff -u --label "scripts/check-layers --print-table" --label "server/CMakeLists.txt" \
    <("${root}/scripts/check-layers" --print-table) <(grep -v '^cli:' "${build_table}" | sort); then
    echo "check_table: scripts/check-layers and the layer libraries disagree" >&2
    status=1
fi

# docs/architecture.md: | `mnemo_x` | public deps | private deps | ... |
docs_table=$(grep -E '^\| `mnemo_[a-z]+` \|' "${root}/docs/architecture.md" |
    awk -F'|' '{
        name = $2; gsub(/[ `]/, "", name); sub(/^mnemo_/, "", name)
        deps = $3 "," $4; gsub(/—/, "", deps); gsub(/ /, "", deps)
        n = split(deps, list, ","); out = ""
        for (i = 1; i <= n; i++) if (list[i] != "") out = out " " list[i]
        print name ":" out
    }' |
    while IFS=: read -r name deps; do
        echo "${name}:$(tr ' ' '\n' <<<"${deps}" | sed '/^$/d' | sort | paste -sd ' ')"
    done | sort)
if ! diff -u --label "docs/architecture.md (What CMake enforces)" --label "server/CMakeLists.txt" \
    <(echo "${docs_table}") <(sort "${build_table}"); then
    echo "check_table: docs/architecture.md and the layer libraries disagree" >&2
    status=1
fi
if ((status == 0)); then
    echo "check_table: server/CMakeLists.txt, scripts/check-layers and docs/architecture.md agree"
fi
exit "${status}"

// SPDX-License-Identifier: MIT
// The statements mnemo runs per HTTP tool call besides lock and recall, under the names the
// bench uses: the server's own statements, shared through memory/*_sql.hpp.
#pragma once

#include <string_view>

#include "memory/access_sql.hpp"
#include "memory/context_sql.hpp"

namespace mnemo::bench::sql {

/// memory::Store::SearchContexts's statement (shared with the server). Run under the
/// project's token.
inline constexpr std::string_view kSearchContexts = memory::sql::kSearchContexts;

/// The bearer token and session check every HTTP request makes before its tool runs, on a
/// lease of its own (memory::sql::kResolveAccess, shared with the server).
inline constexpr std::string_view kResolveSession = memory::sql::kResolveAccess;

}  // namespace mnemo::bench::sql

// SPDX-License-Identifier: MIT
// QueryCursor: the opaque next-page token of query_files, bound to the filters it came from.
#pragma once

#include <optional>
#include <string>

namespace mnemo::files {

/// Where the next page starts: after the row with this score and path.
struct QueryCursor {
    std::string score;  // decimal text, as PostgreSQL's numeric reads it
    std::string path;
};

/// A fingerprint of the filters a cursor belongs to (query, type, path prefix, changed since;
/// "" for an absent one).
[[nodiscard]] std::string FilterFingerprint(const std::string& query, const std::string& type,
                                            const std::string& path_prefix,
                                            const std::string& changed_since);

/// The token for `cursor` under `fingerprint`: lower-case hex of a small JSON document.
[[nodiscard]] std::string EncodeCursor(const QueryCursor& cursor, const std::string& fingerprint);

/// The cursor in `token`; nullopt when it is not a token EncodeCursor made for `fingerprint`
/// (malformed, tampered with, or from other filters). Thread safety: pure function.
[[nodiscard]] std::optional<QueryCursor> DecodeCursor(const std::string& token,
                                                      const std::string& fingerprint);

}  // namespace mnemo::files

// SPDX-License-Identifier: MIT
// URI templates (RFC 6570 level 1, `{name}` simple expansion): expanding and matching.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mnemo::mcp {

using UriVariables = std::map<std::string, std::string, std::less<>>;

/// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), as
/// simple expansion does: "a/b c" → "a%2Fb%20c".
[[nodiscard]] std::string PercentEncode(std::string_view value);

/// Decodes %XX escapes; nullopt for a malformed escape or a decoded NUL.
[[nodiscard]] std::optional<std::string> PercentDecode(std::string_view text);

/// Replaces each `{name}` in `uri_template` by the encoded value of `name` ("" when absent);
/// `{+name}` (RFC 6570 reserved expansion) keeps '/' and the other reserved characters that
/// are safe in a path (`:@!$&'()*+,;=`): "a/b c" → "a/b%20c".
[[nodiscard]] std::string ExpandUriTemplate(std::string_view uri_template,
                                            const UriVariables& values);

/// The variables of `uri` when it matches `uri_template`: literals must match exactly; a
/// variable matches one or more characters up to the next literal and never '/', '?' or '#';
/// a `{+name}` variable may hold '/' and runs to the last occurrence of the literal text after
/// it (or to the end, before any '?' or '#').
/// Values are percent-decoded; nullopt when `uri` does not match or is malformed.
[[nodiscard]] std::optional<UriVariables> MatchUriTemplate(std::string_view uri_template,
                                                           std::string_view uri);

}  // namespace mnemo::mcp

// SPDX-License-Identifier: MIT
// Removing secrets from text a hook stores (automatic handovers from transcripts).
#pragma once

#include <string>
#include <string_view>

namespace mnemo::hooks {

/// `text` with secrets replaced by "[redacted]" (and private spans by "[private]"):
/// - anything between <private> and </private> (an unclosed tag hides the rest);
/// - bearer tokens ("Bearer <token>", "Authorization: ...");
/// - API keys by shape (sk-..., ghp_/gho_/github_pat_..., xox?-..., AKIA..., glpat-...,
///   AIza..., mnemo tokens) and values after key=, token=, secret=, password=, api_key: and
///   the like;
/// - passwords in URLs (scheme://user:password@host).
/// Thread safety: may be called concurrently.
[[nodiscard]] std::string RedactSecrets(std::string_view text);

}  // namespace mnemo::hooks

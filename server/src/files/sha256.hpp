// SPDX-License-Identifier: MIT
// SHA-256 of file content, as lower-case hex (OpenSSL).
#pragma once

#include <string>
#include <string_view>

namespace mnemo::files {

/// The SHA-256 of `data` as 64 lower-case hex digits. Thread safety: pure function.
[[nodiscard]] std::string Sha256Hex(std::string_view data);

}  // namespace mnemo::files

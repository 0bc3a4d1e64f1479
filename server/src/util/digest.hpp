// SPDX-License-Identifier: MIT
// Hex digests and random hex strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mnemo::util {

/// Lower-case hex of `size` bytes.
[[nodiscard]] std::string Hex(const unsigned char* bytes, std::size_t size);

/// hex(SHA-256(text)).
[[nodiscard]] std::string Sha256Hex(std::string_view text);

/// `bytes` bytes from OpenSSL's CSPRNG, hex-encoded. Aborts if the CSPRNG fails (nothing
/// sensible can continue without one).
[[nodiscard]] std::string RandomHex(std::size_t bytes);

}  // namespace mnemo::util

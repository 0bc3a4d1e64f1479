// SPDX-License-Identifier: MIT
// SHA-256 of file content, as lower-case hex (OpenSSL).
#include "files/sha256.hpp"

#include <openssl/evp.h>

namespace mnemo::files {

std::string Sha256Hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // EVP_Digest cannot fail for SHA-256 with valid arguments short of memory exhaustion.
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(2 * length, '0');
    for (unsigned int i = 0; i < length; ++i) {
        hex[2 * i] = kHex[digest[i] >> 4];
        hex[2 * i + 1] = kHex[digest[i] & 0xF];
    }
    return hex;
}

}  // namespace mnemo::files

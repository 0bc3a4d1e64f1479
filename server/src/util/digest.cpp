// SPDX-License-Identifier: MIT
// Hex digests and random hex strings (OpenSSL).
#include "util/digest.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <openssl/rand.h>
#include <openssl/sha.h>

namespace mnemo::util {

std::string Hex(const unsigned char* bytes, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text(size * 2, '0');
    for (std::size_t i = 0; i < size; ++i) {
        text[2 * i] = kDigits[bytes[i] >> 4];
        text[2 * i + 1] = kDigits[bytes[i] & 0xF];
    }
    return text;
}

std::string Sha256Hex(std::string_view text) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    return Hex(digest, sizeof digest);
}

std::string RandomHex(std::size_t bytes) {
    std::vector<unsigned char> random(bytes);
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        std::fprintf(stderr, "mnemo: the OpenSSL random generator failed\n");
        std::abort();
    }
    return Hex(random.data(), random.size());
}

}  // namespace mnemo::util

// SPDX-License-Identifier: MIT
// Hex digests and random hex strings (OpenSSL).
#include "util/digest.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rand.h>

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
    // Fetched once: OpenSSL 3 looks the algorithm up again in every SHA256() or
    // EVP_Digest(EVP_sha256()) call, which costs more than hashing a token (every request
    // hashes its bearer token and session id).
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (sha256 == nullptr ||
        EVP_Digest(text.data(), text.size(), digest, &length, sha256, nullptr) != 1) {
        std::fprintf(stderr, "mnemo: OpenSSL's SHA-256 failed\n");
        std::abort();
    }
    return Hex(digest, length);
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

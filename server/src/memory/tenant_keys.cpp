// SPDX-License-Identifier: MIT
// TenantKeys: HMAC tokens and the secret file.
#include "memory/tenant_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace mnemo::memory {
namespace {

using util::Hex;

Error FileError(const std::filesystem::path& path, const std::string& what) {
    return Error(ErrorCode::kInvalidArgument, "cannot " + what + " the secret file " +
                                                  path.string() + ": " + std::strerror(errno) +
                                                  " (or set MNEMO_SECRET)");
}

Result<std::string> ReadSecret(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string secret;
    if (!in || !std::getline(in, secret) || secret.size() < 32) return FileError(path, "read");
    return secret;
}

/// Writes a fresh secret to a private temporary file, then link(2)s it into place: link fails
/// if another process got there first, and then that process's complete file wins.
Result<std::string> CreateSecret(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), random.size()) != 1) return FileError(path, "generate");
    const std::string secret = Hex(random.data(), random.size()) + "\n";
    const std::string temp = path.string() + ".tmp." + std::to_string(getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return FileError(path, "create");
    const bool written =
        ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!written || !synced) {
        ::unlink(temp.c_str());
        return FileError(path, "write");
    }
    const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (!linked && link_errno != EEXIST) {
        errno = link_errno;
        return FileError(path, "create");
    }
    return ReadSecret(path);
}

}  // namespace

Result<TenantKeys> TenantKeys::Load(const std::string& secret, const std::filesystem::path& home) {
    auto found = Find(secret, home);
    if (!found.ok()) return std::move(found).error();
    if (found->has_value()) return std::move(**found);
    auto created = CreateSecret(SecretFile(home));
    if (!created.ok()) return std::move(created).error();
    return TenantKeys(std::move(created).value());
}

Result<std::optional<TenantKeys>> TenantKeys::Find(const std::string& secret,
                                                   const std::filesystem::path& home) {
    if (!secret.empty()) return std::optional<TenantKeys>(TenantKeys(secret));
    const auto path = SecretFile(home);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<TenantKeys>();
    auto read = ReadSecret(path);
    if (!read.ok()) return std::move(read).error();
    return std::optional<TenantKeys>(TenantKeys(std::move(read).value()));
}

TenantKeys TenantKeys::Ephemeral() { return TenantKeys(RandomHex(32)); }

std::string TenantKeys::TokenFor(std::string_view tenant) const {
    {
        std::lock_guard lock(memo_->mutex);
        if (auto found = memo_->tokens.find(std::string(tenant)); found != memo_->tokens.end()) {
            return found->second;
        }
    }
    std::string token = Derive(tenant);  // outside the lock: an HMAC
    std::lock_guard lock(memo_->mutex);
    if (memo_->tokens.size() >= kMemoLimit) memo_->tokens.clear();
    memo_->tokens.emplace(std::string(tenant), token);
    return token;
}

std::string TenantKeys::Derive(std::string_view tenant) const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(tenant.data()), tenant.size(), digest, &length);
    return Hex(digest, length);
}

std::string TenantKeys::TokenHashFor(std::string_view tenant) const {
    return Sha256Hex(TokenFor(tenant));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mnemo::memory

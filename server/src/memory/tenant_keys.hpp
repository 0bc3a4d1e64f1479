// SPDX-License-Identifier: MIT
// TenantKeys: per-project row-level-security tokens derived from the server secret.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pqpool/error.hpp"
#include "util/digest.hpp"
#include "util/error.hpp"

namespace mnemo::memory {

/// Derives each project's token as hex(HMAC-SHA256(secret, project name)). The database keeps
/// only SHA-256 hashes of tokens, so SQL that runs as mnemo's role (query_database) cannot
/// impersonate a project whose token it never saw.
///
/// Thread safety: safe from any thread (copies share one memo of the tokens derived).
class TenantKeys {
public:
    /// The pseudo-tenant for project management (listing, creating, deleting projects). Not a
    /// valid project name, so it cannot collide with one.
    static constexpr std::string_view kRegistryTenant = "(registry)";

    /// Uses `secret` when non-empty; otherwise reads `home`/secret, creating it (32 random
    /// bytes, mode 0600) on first use; concurrent first uses agree on one secret.
    /// Errors: kInvalidArgument when the file cannot be read or created (names the path).
    [[nodiscard]] static Result<TenantKeys> Load(const std::string& secret,
                                                 const std::filesystem::path& home);

    /// Like Load, but never creates anything: nullopt when `secret` is empty and `home`/secret
    /// does not exist. Errors: kInvalidArgument when the file exists but cannot be read.
    [[nodiscard]] static Result<std::optional<TenantKeys>> Find(const std::string& secret,
                                                                const std::filesystem::path& home);

    /// Keys from a random secret that is never stored: for a pool that only reads the
    /// database's state before the real secret is known (tokens from it open no project).
    [[nodiscard]] static TenantKeys Ephemeral();

    /// Where Load and Find look for the secret when none is given.
    [[nodiscard]] static std::filesystem::path SecretFile(const std::filesystem::path& home) {
        return home / "secret";
    }

    /// The token bound as mnemo.tenant for `tenant` (a project name or kRegistryTenant). The
    /// pool asks for it on every lease of a tenant: derived once, then remembered (at most
    /// kMemoLimit tenants; the memo starts again when full).
    [[nodiscard]] std::string TokenFor(std::string_view tenant) const;
    static constexpr std::size_t kMemoLimit = 4096;

    /// hex(SHA-256(token)): what the database stores for `tenant`.
    [[nodiscard]] std::string TokenHashFor(std::string_view tenant) const;

private:
    struct Memo {
        std::mutex mutex;
        std::unordered_map<std::string, std::string> tokens;  // tenant → token
    };

    explicit TenantKeys(std::string secret)
        : secret_(std::move(secret)), memo_(std::make_shared<Memo>()) {}
    [[nodiscard]] std::string Derive(std::string_view tenant) const;

    std::string secret_;
    std::shared_ptr<Memo> memo_;
};

// The digests moved to util/ (the transport hashes session ids too); memory's callers keep
// their names.
using util::RandomHex;
using util::Sha256Hex;

/// Constant-time equality of two strings of the same length (false when lengths differ).
[[nodiscard]] bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace mnemo::memory

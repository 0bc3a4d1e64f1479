// SPDX-License-Identifier: MIT
// TenantKeys and the digests: known answers, and the token memo never changes an answer.
#include "memory/tenant_keys.hpp"

#include <gtest/gtest.h>

#include "files/sha256.hpp"

namespace mnemo::memory {
namespace {

// Known answers from Python: hmac.new(b"s" * 40, b"notes", hashlib.sha256).hexdigest(),
// hashlib.sha256(<that token>.encode()).hexdigest() and hashlib.sha256(b"abc").hexdigest().
constexpr std::string_view kNotesToken =
    "f45135d9eb524acfc354ff0548d300b939d99ca85a926ee558d6d53f7c35bf16";
constexpr std::string_view kNotesTokenHash =
    "d98a7e41a69b5a861cc08035d7e9c3960aeb8f47436e0b79ba1facab9e70ec55";

TEST(TenantKeysTest, TokensAreTheHmacOfTheTenantAndStayTheSameWhenRemembered) {
    auto keys = TenantKeys::Load(std::string(40, 's'), "/nonexistent");
    ASSERT_TRUE(keys.ok()) << keys.error().message();
    EXPECT_EQ(keys->TokenFor("notes"), kNotesToken);
    EXPECT_EQ(keys->TokenFor("notes"), kNotesToken);  // from the memo
    const TenantKeys copy = *keys;                    // shares the memo
    EXPECT_EQ(copy.TokenFor("notes"), kNotesToken);
    EXPECT_EQ(keys->TokenHashFor("notes"), kNotesTokenHash);
    // Past the memo's limit it starts again; every answer stays the derived one.
    for (std::size_t i = 0; i <= TenantKeys::kMemoLimit; ++i) {
        (void)keys->TokenFor("tenant-" + std::to_string(i));
    }
    EXPECT_EQ(keys->TokenFor("notes"), kNotesToken);
    EXPECT_NE(keys->TokenFor("notes2"), kNotesToken);
    // Another secret, another token.
    auto other = TenantKeys::Load(std::string(40, 't'), "/nonexistent");
    ASSERT_TRUE(other.ok());
    EXPECT_NE(other->TokenFor("notes"), kNotesToken);
}

TEST(TenantKeysTest, Sha256IsTheStandardDigestEverywhere) {
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(files::Sha256Hex("abc"), Sha256Hex("abc"));
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace mnemo::memory

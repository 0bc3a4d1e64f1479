// SPDX-License-Identifier: MIT
// Hosted mode against a real PostgreSQL: bearer tokens, MCP sessions, owners' projects kept
// apart by row-level security, and leases lent to the store ahead of time.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "memory/access_store.hpp"
#include "memory/store.hpp"
#include "memory/tenant_keys.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"
#include "time_slack.hpp"

namespace mnemo {
namespace {

using memory::AccessStore;
using memory::Json;
using memory::ProjectRef;
using memory::SessionLimits;
using memory::StoredSession;
using testing::TestDatabase;
using testing::UniqueProject;

struct Token {
    std::string token;
    std::int64_t id = 0;
};

class AccessTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = TestDatabase::Shared().Open(4);
        auto lease = db_.pool->Acquire(pqpool::AcquireLabel(server_tenant_, "access_test"));
        ASSERT_TRUE(lease.ok()) << lease.error().message();
        lease_ = std::move(lease).value();
        access_ = AccessStore(SessionLimits{}, store().keys().TokenFor(server_tenant_));
    }

    memory::Store& store() { return *db_.store; }

    Token NewToken(const std::string& user, const std::string& scope = "write") {
        auto created = access_.CreateToken(lease_, user, scope, "access test");
        EXPECT_TRUE(created.ok()) << created.error().message();
        if (!created.ok()) return {};
        return {(*created)["token"].get<std::string>(), (*created)["id"].get<std::int64_t>()};
    }

    std::optional<memory::Principal> PrincipalOf(const std::optional<std::string>& bearer) {
        auto access = access_.Resolve(lease_, bearer, "");
        EXPECT_TRUE(access.ok()) << access.error().message();
        return access.ok() ? access->principal : std::nullopt;
    }

    std::optional<StoredSession> SessionOf(const std::optional<std::string>& bearer,
                                           const std::string& session_id,
                                           const AccessStore& access_store) {
        auto access = access_store.Resolve(lease_, bearer, session_id);
        EXPECT_TRUE(access.ok()) << access.error().message();
        return access.ok() ? access->session : std::nullopt;
    }
    std::optional<StoredSession> SessionOf(const std::optional<std::string>& bearer,
                                           const std::string& session_id) {
        return SessionOf(bearer, session_id, access_);
    }

    /// Creates a session for `user` with `access_store`; returns its id.
    std::string NewSession(const std::string& user, const AccessStore& access_store) {
        const std::string id = AccessStore::NewSessionId();
        auto created = access_store.CreateSession(lease_, id, user, "2025-06-18",
                                                  Json{{"name", "probe"}, {"version", "1.0"}},
                                                  Json{{"sampling", Json::object()}});
        EXPECT_TRUE(created.ok()) << created.error().message();
        return id;
    }
    std::string NewSession(const std::string& user) { return NewSession(user, access_); }

    /// Rows of mnemo.http_sessions for `user`, expired ones included, seen as the server.
    std::string SessionRows(const std::string& user) {
        auto counted = lease_.Execute(
            "SELECT count(*) FROM mnemo.http_sessions WHERE user_name = $1", {pqpool::Param(user)});
        EXPECT_TRUE(counted.ok()) << counted.error().message();
        return counted.ok() ? std::string(counted->Get(0, 0)) : "<error>";
    }

    /// Caller SQL through query_database as `project`: its rows, or "error: ...".
    std::string QueryAs(const ProjectRef& project, const std::string& sql) {
        memory::QueryRequest request;
        request.sql = sql;
        request.timeout = std::chrono::milliseconds(2000);
        auto result = store().Query(project, request);
        if (!result.ok()) return "error: " + result.error().message();
        return (*result)["rows"].dump();
    }

    /// The names in ListProjects(owner), in order.
    std::vector<std::string> ProjectNames(const std::string& owner) {
        auto listed = store().ListProjects(owner);
        EXPECT_TRUE(listed.ok()) << listed.error().message();
        std::vector<std::string> names;
        if (listed.ok()) {
            for (const auto& project : *listed) names.push_back(project["name"].get<std::string>());
        }
        return names;
    }

    void CreateProject(const ProjectRef& project, const std::string& description = "") {
        auto created = store().CreateProject(project, description);
        ASSERT_TRUE(created.ok()) << created.error().message();
        EXPECT_TRUE((*created)["created"].get<bool>()) << project.Tenant();
    }

    void Lock(const ProjectRef& project, const std::string& topic, const std::string& content) {
        auto locked = store().LockContext(project, {topic, content, {}, "reference"});
        ASSERT_TRUE(locked.ok()) << locked.error().message();
    }

    /// The latest content of `topic` in `project`, or "error: <sqlstate>".
    std::string Recall(const ProjectRef& project, const std::string& topic) {
        auto recalled = store().RecallContext(project, topic, std::nullopt, false);
        if (!recalled.ok()) return "error: " + std::string(ToString(recalled.error().code()));
        return (*recalled)["content"].get<std::string>();
    }

    const std::string server_tenant_ = AccessStore::ServerTenant();
    cli::Database db_;
    pqpool::Lease lease_;  // for server_tenant_; declared after db_, so returned first
    AccessStore access_{SessionLimits{}};
};

// --- Tokens ---

TEST_F(AccessTest, TokenResolvesToItsUserAndScope) {
    const std::string user = UniqueProject("alice");
    const Token reader = NewToken(user, "read");
    const Token writer = NewToken(user, "write");
    EXPECT_EQ(reader.token.rfind("mnemo_", 0), 0u);
    EXPECT_NE(reader.token, writer.token);

    const auto read_principal = PrincipalOf(reader.token);
    ASSERT_TRUE(read_principal.has_value());
    EXPECT_EQ(read_principal->user, user);
    EXPECT_FALSE(read_principal->can_write);

    const auto write_principal = PrincipalOf(writer.token);
    ASSERT_TRUE(write_principal.has_value());
    EXPECT_EQ(write_principal->user, user);
    EXPECT_TRUE(write_principal->can_write);
}

TEST_F(AccessTest, NoBearerMeansTheLocalOwnerWithWriteAccess) {
    const auto principal = PrincipalOf(std::nullopt);
    ASSERT_TRUE(principal.has_value());
    EXPECT_EQ(principal->user, "");
    EXPECT_TRUE(principal->can_write);
}

TEST_F(AccessTest, UnknownTokenResolvesToNoPrincipal) {
    const Token real = NewToken(UniqueProject("alice"));
    EXPECT_FALSE(PrincipalOf("mnemo_" + std::string(64, '0')).has_value());
    EXPECT_FALSE(PrincipalOf("").has_value());
    EXPECT_FALSE(PrincipalOf(real.token + "0").has_value());
    EXPECT_FALSE(PrincipalOf(real.token.substr(0, real.token.size() - 1)).has_value());
    // The stored hash is not a credential either.
    EXPECT_FALSE(PrincipalOf(memory::Sha256Hex(real.token)).has_value());
    EXPECT_TRUE(PrincipalOf(real.token).has_value());
}

TEST_F(AccessTest, RevokedTokenStopsResolvingOnTheNextRequest) {
    const std::string user = UniqueProject("alice");
    const Token token = NewToken(user);
    const Token other = NewToken(user);
    ASSERT_TRUE(PrincipalOf(token.token).has_value());

    auto revoked = access_.RevokeToken(lease_, token.id);
    ASSERT_TRUE(revoked.ok()) << revoked.error().message();
    EXPECT_EQ(*revoked, (Json{{"id", token.id}, {"found", true}, {"revoked", true}}));
    EXPECT_FALSE(PrincipalOf(token.token).has_value());
    EXPECT_TRUE(PrincipalOf(other.token).has_value());  // only that token

    auto again = access_.RevokeToken(lease_, token.id);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(*again, (Json{{"id", token.id}, {"found", true}, {"revoked", false}}));
}

TEST_F(AccessTest, RevokingAMissingTokenSaysNotFound) {
    constexpr std::int64_t kMissing = 9'000'000'000'000;
    auto revoked = access_.RevokeToken(lease_, kMissing);
    ASSERT_TRUE(revoked.ok()) << revoked.error().message();
    EXPECT_EQ(*revoked, (Json{{"id", kMissing}, {"found", false}, {"revoked", false}}));
}

TEST_F(AccessTest, ListTokensShowsPrefixesButNeverTokensOrHashes) {
    const std::string user = UniqueProject("alice");
    const Token first = NewToken(user, "read");
    const Token second = NewToken(user, "write");
    ASSERT_TRUE(access_.RevokeToken(lease_, second.id).ok());

    auto listed = access_.ListTokens(lease_);
    ASSERT_TRUE(listed.ok()) << listed.error().message();
    const std::string dump = listed->dump();
    for (const Token& token : {first, second}) {
        EXPECT_EQ(dump.find(token.token), std::string::npos);
        EXPECT_EQ(dump.find(memory::Sha256Hex(token.token)), std::string::npos);
        EXPECT_EQ(dump.find(token.token.substr(14)), std::string::npos);  // no secret part
    }

    std::vector<Json> mine;
    for (const auto& entry : *listed) {
        if (entry["user"] == user) mine.push_back(entry);
    }
    ASSERT_EQ(mine.size(), 2u);
    EXPECT_EQ(mine[0]["id"], first.id);
    EXPECT_EQ(mine[0]["prefix"], first.token.substr(0, 14));
    EXPECT_EQ(mine[0]["scope"], "read");
    EXPECT_EQ(mine[0]["label"], "access test");
    EXPECT_TRUE(mine[0]["revoked_at"].is_null());
    EXPECT_EQ(mine[1]["id"], second.id);
    EXPECT_EQ(mine[1]["prefix"], second.token.substr(0, 14));
    EXPECT_EQ(mine[1]["scope"], "write");
    EXPECT_FALSE(mine[1]["revoked_at"].is_null());
}

TEST_F(AccessTest, TokensNeedAKnownScopeAndAValidUserName) {
    EXPECT_FALSE(access_.CreateToken(lease_, UniqueProject("alice"), "admin", "").ok());
    EXPECT_FALSE(access_.CreateToken(lease_, "Alice Smith", "read", "").ok());
}

// --- Sessions ---

TEST_F(AccessTest, SessionResolvesForItsUserWithItsState) {
    const std::string user = UniqueProject("alice");
    const Token token = NewToken(user);
    const std::string id = NewSession(user);

    auto session = SessionOf(token.token, id);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->user, user);
    EXPECT_EQ(session->protocol_version, "2025-06-18");
    EXPECT_EQ(session->client_info, (Json{{"name", "probe"}, {"version", "1.0"}}));
    EXPECT_EQ(session->selected_project, "");

    EXPECT_EQ(session->client_capabilities, (Json{{"sampling", Json::object()}}));
    EXPECT_EQ(session->log_level, "");

    ASSERT_TRUE(access_.SaveSessionState(lease_, id, user, "notes", "warning").ok());
    session = SessionOf(token.token, id);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->selected_project, "notes");
    EXPECT_EQ(session->log_level, "warning");

    // Another user cannot change it.
    ASSERT_TRUE(access_.SaveSessionState(lease_, id, UniqueProject("bob"), "other", "debug").ok());
    session = SessionOf(token.token, id);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->selected_project, "notes");
    EXPECT_EQ(session->log_level, "warning");
}

// sql/012: the check that rides in front of a request's first statement, on a lease of any
// tenant, and what each failure means.
TEST_F(AccessTest, TheArmedCheckPassesOrStopsTheStatementItPrecedesAndSaysWhy) {
    const std::string user = UniqueProject("alice");
    const Token token = NewToken(user);
    const std::string id = NewSession(user);
    ASSERT_TRUE(access_.SaveSessionState(lease_, id, user, "notes", "").ok());
    const std::string tenant = user + "/notes";
    using Failure = AccessStore::CheckFailure;
    // Arms the check on a fresh lease of the project's tenant, then saves `project` as the
    // session's selection in the same round trip; returns the check's outcome.
    auto attempt = [&](const std::optional<std::string>& bearer, const std::string& as_user,
                       const std::string& expected_project,
                       const std::string& project) -> std::optional<Failure> {
        auto lease = db_.pool->Acquire(pqpool::AcquireLabel(tenant, "access_test"));
        EXPECT_TRUE(lease.ok());
        std::optional<pqpool::Status> outcome;
        access_.ArmCheck(*lease, bearer ? memory::Sha256Hex(*bearer) : std::string(),
                         memory::Sha256Hex(id), as_user, expected_project, "",
                         [&](const pqpool::Status& status) { outcome = status; });
        // The check binds the server's token for itself only: the project's is back after it.
        auto bound = lease->Execute("SELECT current_setting('mnemo.tenant')");
        EXPECT_TRUE(outcome.has_value());
        if (outcome->ok()) {
            EXPECT_EQ(bound->Get(0, 0), store().keys().TokenFor(tenant));
            EXPECT_TRUE(access_.SaveSessionState(*lease, id, user, project, "").ok());
            return std::nullopt;
        }
        EXPECT_FALSE(bound.ok());
        EXPECT_FALSE(access_.SaveSessionState(*lease, id, user, project, "").ok());
        return AccessStore::ClassifyCheckFailure(outcome->error());
    };
    EXPECT_EQ(attempt(token.token, user, "notes", "notes"), std::nullopt);
    EXPECT_EQ(attempt(token.token, user, "other", "stolen"), Failure::kChanged);
    EXPECT_EQ(SessionOf(token.token, id)->selected_project, "notes");  // the save did not run
    EXPECT_EQ(attempt(token.token, UniqueProject("bob"), "notes", "stolen"), Failure::kBadToken);
    const Token bob = NewToken(UniqueProject("bob"));
    EXPECT_EQ(attempt(bob.token, user, "notes", "stolen"), Failure::kBadToken);  // not alice's
    ASSERT_TRUE(access_.RevokeToken(lease_, token.id).ok());
    EXPECT_EQ(attempt(token.token, user, "notes", "stolen"), Failure::kBadToken);
    const Token again = NewToken(user);
    ASSERT_TRUE(access_.DeleteSession(lease_, id, user).ok());
    EXPECT_EQ(attempt(again.token, user, "notes", "stolen"), Failure::kNoSession);
}

TEST_F(AccessTest, SessionIsInvisibleToEveryoneButItsUser) {
    const std::string alice = UniqueProject("alice");
    const Token alice_token = NewToken(alice);
    const Token bob_token = NewToken(UniqueProject("bob"));
    const std::string id = NewSession(alice);

    auto as_bob = access_.Resolve(lease_, bob_token.token, id);
    ASSERT_TRUE(as_bob.ok()) << as_bob.error().message();
    ASSERT_TRUE(as_bob->principal.has_value());             // bob is known...
    EXPECT_FALSE(as_bob->session.has_value());              // ...but the session is not his
    EXPECT_FALSE(SessionOf(std::nullopt, id).has_value());  // the local owner
    EXPECT_FALSE(SessionOf("mnemo_" + std::string(64, 'f'), id).has_value());  // unknown token
    EXPECT_FALSE(SessionOf(alice_token.token, AccessStore::NewSessionId()).has_value());
    EXPECT_FALSE(SessionOf(alice_token.token, memory::Sha256Hex(id)).has_value());
    EXPECT_TRUE(SessionOf(alice_token.token, id).has_value());
}

TEST_F(AccessTest, LocalOwnerSessionsResolveWithoutABearer) {
    const std::string id = NewSession("");
    auto session = SessionOf(std::nullopt, id);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->user, "");
    const Token token = NewToken(UniqueProject("alice"));
    EXPECT_FALSE(SessionOf(token.token, id).has_value());
}

TEST_F(AccessTest, DeleteSessionEndsOnlyTheOwnersSession) {
    const std::string alice = UniqueProject("alice");
    const std::string bob = UniqueProject("bob");
    const Token alice_token = NewToken(alice);
    const std::string id = NewSession(alice);

    auto by_bob = access_.DeleteSession(lease_, id, bob);
    ASSERT_TRUE(by_bob.ok()) << by_bob.error().message();
    EXPECT_FALSE(*by_bob);
    EXPECT_TRUE(SessionOf(alice_token.token, id).has_value());

    auto by_alice = access_.DeleteSession(lease_, id, alice);
    ASSERT_TRUE(by_alice.ok()) << by_alice.error().message();
    EXPECT_TRUE(*by_alice);
    EXPECT_FALSE(SessionOf(alice_token.token, id).has_value());
    EXPECT_EQ(SessionRows(alice), "0");

    auto again = access_.DeleteSession(lease_, id, alice);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_FALSE(*again);
}

TEST_F(AccessTest, SessionExpiresAfterItsTtl) {
    const AccessStore short_lived(SessionLimits{std::chrono::seconds(1)});
    const std::string user = UniqueProject("alice");
    const Token token = NewToken(user);
    auto live_before = short_lived.CountLiveSessions(lease_);
    ASSERT_TRUE(live_before.ok()) << live_before.error().message();

    const std::string id = NewSession(user, short_lived);
    ASSERT_TRUE(SessionOf(token.token, id, short_lived).has_value());
    auto live = short_lived.CountLiveSessions(lease_);
    ASSERT_TRUE(live.ok()) << live.error().message();
    EXPECT_EQ(*live, *live_before + 1);

    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_FALSE(SessionOf(token.token, id, short_lived).has_value());
    auto live_after = short_lived.CountLiveSessions(lease_);
    ASSERT_TRUE(live_after.ok()) << live_after.error().message();
    EXPECT_EQ(*live_after, *live_before);
    auto deleted = short_lived.DeleteSession(lease_, id, user);
    ASSERT_TRUE(deleted.ok()) << deleted.error().message();
    EXPECT_FALSE(*deleted);  // an expired session cannot be ended either
}

TEST_F(AccessTest, UseSlidesTheExpiry) {
    // With a 1 s lifetime every use is "stale" (touch interval: 1 % of it), so each use
    // extends the session by another second.
    const AccessStore short_lived(SessionLimits{std::chrono::seconds(1)});
    const std::string user = UniqueProject("alice");
    const Token token = NewToken(user);
    const std::string id = NewSession(user, short_lived);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ASSERT_TRUE(SessionOf(token.token, id, short_lived).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // past the first expiry
    EXPECT_TRUE(SessionOf(token.token, id, short_lived).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_FALSE(SessionOf(token.token, id, short_lived).has_value());
}

TEST_F(AccessTest, ExpiredSessionsArePurgedWhenANewSessionIsCreated) {
    const AccessStore short_lived(SessionLimits{std::chrono::seconds(1)});
    const std::string expiring_user = UniqueProject("alice");
    NewSession(expiring_user, short_lived);
    NewSession(expiring_user, short_lived);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(SessionRows(expiring_user), "2");  // expired, still stored

    const std::string other_user = UniqueProject("bob");
    NewSession(other_user);
    EXPECT_EQ(SessionRows(expiring_user), "0");
    EXPECT_EQ(SessionRows(other_user), "1");
}

TEST_F(AccessTest, PerUserCapKeepsTheMostRecentSessions) {
    SessionLimits limits;
    limits.max_per_user = 3;
    const AccessStore capped(limits);
    const std::string user = UniqueProject("alice");
    const std::string neighbour = UniqueProject("bob");
    const Token token = NewToken(user);
    const std::string neighbour_session = NewSession(neighbour, capped);

    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(NewSession(user, capped));
        // Distinct last_seen values, so "most recent" is well defined.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_FALSE(SessionOf(token.token, ids[0], capped).has_value());
    EXPECT_FALSE(SessionOf(token.token, ids[1], capped).has_value());
    EXPECT_TRUE(SessionOf(token.token, ids[2], capped).has_value());
    EXPECT_TRUE(SessionOf(token.token, ids[3], capped).has_value());
    EXPECT_TRUE(SessionOf(token.token, ids[4], capped).has_value());
    EXPECT_EQ(SessionRows(user), "3");
    EXPECT_EQ(SessionRows(neighbour), "1");  // other users' sessions are not counted
}

// --- Isolation enforced by the database ---

TEST_F(AccessTest, CallerSqlCannotReadServerTables) {
    const std::string user = UniqueProject("alice");
    NewToken(user);
    NewSession(user);
    auto live = access_.CountLiveSessions(lease_);
    ASSERT_TRUE(live.ok());
    ASSERT_GT(*live, 0);

    const ProjectRef local = UniqueProject("acc_local");
    const ProjectRef owned(user, UniqueProject("acc_owned"));
    CreateProject(local);
    CreateProject(owned);
    for (const ProjectRef& project : {local, owned}) {
        // The caller roles hold no privilege on them at all (sql/006_caller_roles.sql).
        for (const char* table : {"http_sessions", "api_tokens", "users"}) {
            EXPECT_NE(QueryAs(project, std::string("SELECT count(*) FROM mnemo.") + table)
                          .find("permission denied"),
                      std::string::npos)
                << project.Tenant() << " " << table;
        }
        // Forging the server token from what caller SQL can read does not help either.
        const std::string forged =
            "WITH s AS MATERIALIZED (SELECT set_config('mnemo.tenant', "
            "(SELECT value FROM mnemo.settings WHERE key = 'registry_key_hash'), true)) "
            "SELECT count(*) FROM s, mnemo.http_sessions";
        EXPECT_NE(QueryAs(project, forged).find("permission denied"), std::string::npos)
            << project.Tenant();
    }

    // Nor can the owning role itself, without the server's token (FORCE ROW LEVEL SECURITY).
    pqpool::testing::AdminConnection owner(TestDatabase::Shared().dsn());
    EXPECT_EQ(owner.Scalar("SELECT count(*) FROM mnemo.http_sessions"), "0");
    EXPECT_EQ(owner.Scalar("SELECT count(*) FROM mnemo.api_tokens"), "0");
    EXPECT_EQ(owner.Scalar("SELECT count(*) FROM mnemo.users"), "0");
}

TEST_F(AccessTest, UsersProjectsAreInvisibleToOtherUsers) {
    const std::string alice = UniqueProject("alice");
    const std::string bob = UniqueProject("bob");
    const std::string alices = UniqueProject("acc_a");
    const std::string bobs = UniqueProject("acc_b");
    CreateProject({alice, alices});
    Lock({alice, alices}, "secret", "alice's secret");

    EXPECT_EQ(ProjectNames(alice), std::vector<std::string>{alices});
    EXPECT_TRUE(ProjectNames(bob).empty());  // bob has no projects (not even registered)

    CreateProject({bob, bobs});
    EXPECT_EQ(ProjectNames(bob), std::vector<std::string>{bobs});
    EXPECT_EQ(ProjectNames(alice), std::vector<std::string>{alices});

    // The database enforces it, not just the WHERE clause: with bob's registry token, SQL
    // without any filter sees bob's projects only.
    const std::string bob_registry = memory::OwnerRegistryTenant(bob);
    auto lease = db_.pool->Acquire(pqpool::AcquireLabel(bob_registry, "access_test"));
    ASSERT_TRUE(lease.ok()) << lease.error().message();
    auto names = lease->Execute("SELECT string_agg(name, ',') FROM mnemo.projects");
    ASSERT_TRUE(names.ok()) << names.error().message();
    EXPECT_EQ(names->Get(0, 0), bobs);
    // (The project tables bind only the caller roles since 005: tool SQL filters itself.)

    // Caller SQL in bob's project cannot become alice's registry from the stored key hash.
    const std::string forged =
        "WITH s AS MATERIALIZED (SELECT set_config('mnemo.tenant', encode(key_hash, 'hex'), "
        "true) FROM mnemo.owner_keys WHERE owner = '" +
        alice + "') SELECT p.name, c.content FROM s, mnemo.projects p, mnemo.contexts c";
    const std::string outcome = QueryAs({bob, bobs}, forged);
    // The caller roles may not even read the hashes (sql/006_caller_roles.sql).
    EXPECT_NE(outcome.find("permission denied for table owner_keys"), std::string::npos) << outcome;
    EXPECT_EQ(outcome.find("alice's secret"), std::string::npos) << outcome;
    EXPECT_EQ(outcome.find(alices), std::string::npos) << outcome;
}

TEST_F(AccessTest, SameProjectNameForTwoOwnersIsTwoProjects) {
    const std::string alice = UniqueProject("alice");
    const std::string bob = UniqueProject("bob");
    const std::string name = UniqueProject("acc_shared");
    CreateProject({alice, name});
    CreateProject({bob, name});  // created, not "already exists"

    Lock({alice, name}, "plan", "alice's plan");
    EXPECT_EQ(Recall({bob, name}, "plan"), "error: not_found");
    EXPECT_EQ(Recall(name, "plan"), "error: project_missing");

    Lock({bob, name}, "plan", "bob's plan");
    EXPECT_EQ(Recall({alice, name}, "plan"), "alice's plan");
    EXPECT_EQ(Recall({bob, name}, "plan"), "bob's plan");
    EXPECT_EQ(QueryAs({bob, name}, "SELECT content FROM mnemo.contexts"), R"([["bob's plan"]])");
    EXPECT_EQ(QueryAs({alice, name}, "SELECT count(*) FROM mnemo.projects"), R"([[1]])");
}

TEST_F(AccessTest, LocalOwnerDoesNotListUsersProjects) {
    const std::string alice = UniqueProject("alice");
    // Sorts before other tests' projects, so it is within ListProjects' first 201.
    const std::string name = UniqueProject("0acc");
    CreateProject({alice, name}, "alice's");
    const std::string only_alice = UniqueProject("0acc_alice");
    CreateProject({alice, only_alice}, "alice's only");
    CreateProject(name, "local");

    auto local = store().ListProjects("");
    ASSERT_TRUE(local.ok()) << local.error().message();
    std::vector<std::string> descriptions;
    for (const auto& project : *local) {
        EXPECT_NE(project["name"], only_alice);
        if (project["name"] == name)
            descriptions.push_back(project["description"].get<std::string>());
    }
    EXPECT_EQ(descriptions, std::vector<std::string>{"local"});

    auto alices = store().ListProjects(alice);
    ASSERT_TRUE(alices.ok()) << alices.error().message();
    ASSERT_EQ(alices->size(), 2u);
    EXPECT_EQ((*alices)[0]["name"], name);
    EXPECT_EQ((*alices)[0]["description"], "alice's");
    EXPECT_EQ((*alices)[1]["name"], only_alice);
}

TEST_F(AccessTest, DeleteProjectCannotReachAnotherOwnersProject) {
    const std::string alice = UniqueProject("alice");
    const std::string bob = UniqueProject("bob");
    const std::string name = UniqueProject("acc_x");
    CreateProject({alice, name});
    Lock({alice, name}, "keep", "alice keeps this");

    auto by_bob = store().DeleteProject({bob, name}, true);
    ASSERT_FALSE(by_bob.ok());
    EXPECT_EQ(by_bob.error().code(), ErrorCode::kProjectMissing);
    auto by_local = store().DeleteProject(name, true);
    ASSERT_FALSE(by_local.ok());
    EXPECT_EQ(by_local.error().code(), ErrorCode::kProjectMissing);
    EXPECT_EQ(Recall({alice, name}, "keep"), "alice keeps this");

    // Bob's own project of that name goes; alice's stays.
    CreateProject({bob, name});
    auto deleted = store().DeleteProject({bob, name}, true);
    ASSERT_TRUE(deleted.ok()) << deleted.error().message();
    EXPECT_TRUE((*deleted)["deleted"].get<bool>());
    EXPECT_EQ((*deleted)["would_delete"]["contexts"], 0);
    EXPECT_TRUE(ProjectNames(bob).empty());
    EXPECT_EQ(ProjectNames(alice), std::vector<std::string>{name});
    EXPECT_EQ(Recall({alice, name}, "keep"), "alice keeps this");
}

// --- Leases lent to the store ---

TEST_F(AccessTest, LentTimeoutIsReturnedAtOnceAndTheNextCallAcquires) {
    const std::string project = UniqueProject("acc_lent");
    const std::string other = UniqueProject("acc_other");
    CreateProject(project);
    CreateProject(other);
    Lock(project, "topic", "content");
    Lock(other, "topic", "other content");

    memory::LentLeaseScope scope(
        ProjectRef(project).Tenant(),
        pqpool::Error(pqpool::ErrorCode::kTimeout, "Connection pool timeout: lent by the test"));
    // A call for another tenant neither takes nor disturbs the lent outcome.
    EXPECT_EQ(Recall(other, "topic"), "other content");

    const auto started = std::chrono::steady_clock::now();
    auto first = store().RecallContext(project, "topic", std::nullopt, false);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code(), ErrorCode::kPoolTimeout);
    EXPECT_EQ(first.error().message(), "Connection pool timeout: lent by the test");
    EXPECT_LT(elapsed, pqpool::testing::Slack());  // Not a wait for a connection.

    EXPECT_EQ(Recall(project, "topic"), "content");
}

TEST_F(AccessTest, LentLeaseIsTakenByTheFirstCallForItsTenant) {
    const std::string project = UniqueProject("acc_lent");
    CreateProject(project);
    Lock(project, "topic", "content");
    const std::string tenant = ProjectRef(project).Tenant();

    auto acquired = db_.pool->Acquire(pqpool::AcquireLabel(tenant, "lent"));
    ASSERT_TRUE(acquired.ok()) << acquired.error().message();
    memory::LentLeaseScope scope(tenant, std::move(acquired));
    const auto acquires_before = db_.pool->Stats().acquires;
    EXPECT_EQ(Recall(project, "topic"), "content");
    EXPECT_EQ(db_.pool->Stats().acquires, acquires_before);  // used the lent lease
    EXPECT_EQ(Recall(project, "topic"), "content");
    EXPECT_EQ(db_.pool->Stats().acquires, acquires_before + 1);  // then acquired normally
}

}  // namespace
}  // namespace mnemo

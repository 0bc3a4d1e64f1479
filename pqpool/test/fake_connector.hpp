// SPDX-License-Identifier: MIT
// A fake database for deterministic pool unit tests: connections that run nothing and a
// connector whose delay, failures and capacity the test controls.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pqpool/connection.hpp"

namespace pqpool::testing {

/// The fake server's state, shared by the connector, its connections and the test.
struct FakeServer {
    std::atomic<int> connect_delay_ms{0};
    std::atomic<bool> refuse{false};           // Connects fail at once.
    std::atomic<bool> hang{false};             // Connects never answer (until their deadline).
    std::atomic<bool> reject_password{false};  // Connects fail with 28P01.
    std::atomic<int> capacity{1 << 30};        // More live connections than this → 53300.
    std::atomic<std::uint64_t> generation{0};  // Bumped by KillAll(): older sessions are dead.

    std::atomic<int> live{0};  // Open sessions.
    std::atomic<int> max_live{0};
    std::atomic<int> connecting{0};
    std::atomic<int> max_connecting{0};
    std::atomic<int> connects{0};  // Attempts, successful or not.
    std::atomic<int> pings{0};
    std::atomic<int> rollbacks{0};
    std::atomic<int> statements{0};

    void KillAll() { generation.fetch_add(1); }

    static void RaiseMax(std::atomic<int>& max, int value) {
        int seen = max.load();
        while (value > seen && !max.compare_exchange_weak(seen, value)) {
        }
    }
};

/// A session of the fake server. Statements: "BEGIN" opens a transaction, "ROLLBACK"/"COMMIT"
/// end it, "ACTIVE" leaves it mid-query, "LOSE" breaks the connection, "SQLSTATE xxxxx"
/// fails with that SQLSTATE; anything else succeeds with no rows.
class FakeConnection final : public Connection {
public:
    explicit FakeConnection(std::shared_ptr<FakeServer> server)
        : server_(std::move(server)), generation_(server_->generation.load()) {
        FakeServer::RaiseMax(server_->max_live, server_->live.fetch_add(1) + 1);
    }
    ~FakeConnection() override { server_->live.fetch_sub(1); }
    FakeConnection(const FakeConnection&) = delete;
    FakeConnection& operator=(const FakeConnection&) = delete;

    [[nodiscard]] TxState transaction_state() const noexcept override { return state_; }
    [[nodiscard]] bool CheckSocket() noexcept override { return alive(); }
    Status Ping(Deadline /*deadline*/) override {
        server_->pings.fetch_add(1);
        if (!alive()) return Error(ErrorCode::kConnectionLost, "fake: dead");
        return {};
    }

protected:
    Result<QueryResult> DoExecuteBatch(std::span<const Statement> statements,
                                       std::size_t /*result_index*/,
                                       Deadline /*deadline*/) override {
        for (const Statement& statement : statements) {
            server_->statements.fetch_add(1);
            const std::string_view sql = statement.sql;
            if (!alive()) return Error(ErrorCode::kConnectionLost, "fake: server closed");
            if (sql == "BEGIN") {
                state_ = TxState::kInTransaction;
            } else if (sql == "ROLLBACK" || sql == "COMMIT") {
                if (sql == "ROLLBACK") server_->rollbacks.fetch_add(1);
                state_ = TxState::kIdle;
            } else if (sql == "ACTIVE") {
                state_ = TxState::kActive;
            } else if (sql == "LOSE") {
                state_ = TxState::kUnknown;
                return Error(ErrorCode::kConnectionLost, "fake: connection lost");
            } else if (sql.starts_with("SQLSTATE ")) {
                if (state_ == TxState::kInTransaction) state_ = TxState::kInError;
                return Error(ErrorCode::kSql, "fake: failed", std::string(sql.substr(9)));
            }
        }
        return QueryResult();
    }

private:
    [[nodiscard]] bool alive() const { return generation_ == server_->generation.load(); }

    std::shared_ptr<FakeServer> server_;
    std::uint64_t generation_;
    TxState state_ = TxState::kIdle;
};

class FakeConnector final : public Connector {
public:
    explicit FakeConnector(std::shared_ptr<FakeServer> server) : server_(std::move(server)) {}

    Result<std::unique_ptr<Connection>> Connect(Deadline deadline,
                                                const std::atomic<bool>& cancel) override {
        FakeServer& s = *server_;
        s.connects.fetch_add(1);
        FakeServer::RaiseMax(s.max_connecting, s.connecting.fetch_add(1) + 1);
        struct Leave {
            FakeServer& s;
            ~Leave() { s.connecting.fetch_sub(1); }
        } leave{s};
        const auto answer_at =
            s.hang.load() ? deadline
                          : std::min(deadline, Clock::now() + Millis(s.connect_delay_ms.load()));
        while (Clock::now() < answer_at) {
            if (cancel.load()) return Error(ErrorCode::kClosed, "fake: cancelled");
            std::this_thread::sleep_for(
                std::min<Clock::duration>(answer_at - Clock::now(), Millis(5)));
        }
        if (s.hang.load()) {
            return Error(ErrorCode::kDatabaseUnavailable, "fake: connect timed out");
        }
        if (s.refuse.load()) {
            return Error(ErrorCode::kDatabaseUnavailable, "fake: connection refused");
        }
        if (s.reject_password.load()) {
            return Error(ErrorCode::kDatabaseUnavailable,
                         "fake: password authentication failed for user \"x\"", "28P01");
        }
        if (s.live.load() >= s.capacity.load()) {
            return Error(ErrorCode::kDatabaseUnavailable, "fake: sorry, too many clients already",
                         "53300");
        }
        return std::unique_ptr<Connection>(std::make_unique<FakeConnection>(server_));
    }

private:
    std::shared_ptr<FakeServer> server_;
};

}  // namespace pqpool::testing

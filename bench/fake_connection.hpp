// SPDX-License-Identifier: MIT
// A do-nothing Connection and Connector so the benchmarks time the pool itself, not a database.
#pragma once

#include <atomic>
#include <memory>

#include <pqpool/connection.hpp>

namespace pqpool::bench {

/// Always idle and alive; statements succeed with no rows at once. Unlike the test fake it
/// shares no state between connections, so it adds no cache traffic of its own.
class FakeConnection final : public Connection {
public:
    [[nodiscard]] TxState transaction_state() const noexcept override { return TxState::kIdle; }
    [[nodiscard]] bool CheckSocket() noexcept override { return true; }
    Status Ping(Deadline /*deadline*/) override { return {}; }

protected:
    Result<QueryResult> DoExecuteBatch(std::span<const Statement> /*statements*/,
                                       std::size_t /*result_index*/,
                                       Deadline /*deadline*/) override {
        return QueryResult();
    }
};

/// Opens FakeConnections instantly.
class FakeConnector final : public Connector {
public:
    Result<std::unique_ptr<Connection>> Connect(Deadline /*deadline*/,
                                                const std::atomic<bool>& /*cancel*/) override {
        return std::unique_ptr<Connection>(std::make_unique<FakeConnection>());
    }
};

}  // namespace pqpool::bench

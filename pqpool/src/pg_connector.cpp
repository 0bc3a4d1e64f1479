// SPDX-License-Identifier: MIT
// PgConnector: non-blocking libpq connects under the pool's own deadline.
#include <poll.h>

#include <string>
#include <string_view>
#include <vector>

#include "pg_connection.hpp"

namespace pqpool {
namespace {

using detail::PgConnection;
using detail::PgConnPtr;

// libpq exposes no SQLSTATE for a failed connect, so recognise "too many connections"
// (53300) by the server's message (both texts carry SQLSTATE 53300 on the server).
bool IsTooManyConnections(std::string_view message) {
    return message.find("too many clients") != std::string_view::npos ||
           message.find("remaining connection slots are reserved") != std::string_view::npos ||
           message.find("too many connections") != std::string_view::npos;
}

// Likewise the refusals that retrying cannot fix, by the server's FATAL texts.
std::string_view RejectionSqlstate(std::string_view message) {
    const auto has = [message](std::string_view text) {
        return message.find(text) != std::string_view::npos;
    };
    if (has("password authentication failed") || has("authentication failed for user")) {
        return "28P01";
    }
    if ((has("role \"") && has("does not exist")) || has("no pg_hba.conf entry")) return "28000";
    if (has("database \"") && has("does not exist")) return "3D000";
    return {};
}

Error ConnectError(std::string message) {
    std::string sqlstate(IsTooManyConnections(message) ? "53300" : RejectionSqlstate(message));
    return Error(ErrorCode::kDatabaseUnavailable, std::move(message), std::move(sqlstate));
}

/// Connects with keyword/value arrays parsed once from the connection string.
class PgConnector final : public Connector {
public:
    PgConnector(std::vector<std::string> keywords, std::vector<std::string> values,
                std::size_t prepared_statements)
        : keywords_(std::move(keywords)),
          values_(std::move(values)),
          prepared_statements_(prepared_statements) {
        for (std::size_t i = 0; i < keywords_.size(); ++i) {
            keyword_ptrs_.push_back(keywords_[i].c_str());
            value_ptrs_.push_back(values_[i].c_str());
        }
        keyword_ptrs_.push_back(nullptr);
        value_ptrs_.push_back(nullptr);
    }

    Result<std::unique_ptr<Connection>> Connect(Deadline deadline,
                                                const std::atomic<bool>& cancel) override {
        const auto started = Clock::now();
        PGconn* raw = PQconnectStartParams(keyword_ptrs_.data(), value_ptrs_.data(), 0);
        if (raw == nullptr) return ConnectError("out of memory starting a connection");
        PgConnPtr conn(raw, PQfinish);
        if (PQstatus(raw) == CONNECTION_BAD) {
            std::string message = detail::TrimMessage(PQerrorMessage(raw));
            // libpq checks the parameters before any traffic ("invalid sslmode value: …",
            // "invalid port number: …"): no retry fixes those.
            if (message.starts_with("invalid ")) {
                return Error(ErrorCode::kInvalidArgument,
                             "invalid connection parameters: " + std::move(message));
            }
            return ConnectError(std::move(message));
        }
        // Before the first PQconnectPoll, behave as if it returned "writing" (libpq docs).
        PostgresPollingStatusType state = PGRES_POLLING_WRITING;
        while (state != PGRES_POLLING_OK) {
            if (state == PGRES_POLLING_FAILED) {
                return ConnectError(detail::TrimMessage(PQerrorMessage(raw)));
            }
            const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
            for (;;) {
                if (cancel.load(std::memory_order_relaxed)) {
                    return Error(ErrorCode::kClosed, "pool closing; connect abandoned");
                }
                // Wake at least every 100 ms to notice Close().
                const Deadline slice = std::min(deadline, Clock::now() + Millis(100));
                const int ready = detail::WaitSocket(PQsocket(raw), events, slice);
                if (ready > 0) break;
                if (ready < 0) return ConnectError("poll failed while connecting");
                if (Clock::now() >= deadline) {
                    const auto waited =
                        std::chrono::duration_cast<Millis>(Clock::now() - started).count();
                    return ConnectError("connect timed out after " + std::to_string(waited) +
                                        " ms (server did not answer)");
                }
            }
            state = PQconnectPoll(raw);
        }
        return std::unique_ptr<Connection>(
            std::make_unique<PgConnection>(std::move(conn), prepared_statements_));
    }

private:
    std::vector<std::string> keywords_;
    std::vector<std::string> values_;
    std::vector<const char*> keyword_ptrs_;
    std::vector<const char*> value_ptrs_;
    std::size_t prepared_statements_;
};

}  // namespace

Result<std::unique_ptr<Connector>> MakePgConnector(const PoolOptions& options) {
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(options.conninfo.c_str(), &parse_error);
    if (parsed == nullptr) {
        std::string message = "invalid connection string: ";
        message += parse_error != nullptr ? detail::TrimMessage(parse_error) : "out of memory";
        if (parse_error != nullptr) PQfreemem(parse_error);
        return Error(ErrorCode::kInvalidArgument, std::move(message));
    }
    std::vector<std::string> keywords;
    std::vector<std::string> values;
    for (PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
        if (option->val == nullptr) continue;
        keywords.emplace_back(option->keyword);
        values.emplace_back(option->val);
    }
    PQconninfoFree(parsed);
    for (const auto& [keyword, value] : options.conninfo_overrides) {
        bool replaced = false;
        for (std::size_t i = 0; i < keywords.size(); ++i) {
            if (keywords[i] != keyword) continue;
            values[i] = value;
            replaced = true;
        }
        if (!replaced) {
            keywords.push_back(keyword);
            values.push_back(value);
        }
    }

    // Defaults that make dead TCP peers visible within ~30 s (ignored on Unix sockets).
    const std::pair<const char*, std::string> defaults[] = {
        {"application_name", options.name}, {"keepalives", "1"},
        {"keepalives_idle", "30"},          {"keepalives_interval", "10"},
        {"keepalives_count", "3"},          {"tcp_user_timeout", "30000"},
    };
    for (const auto& [keyword, value] : defaults) {
        bool present = false;
        for (const auto& existing : keywords) present = present || existing == keyword;
        if (!present) {
            keywords.emplace_back(keyword);
            values.push_back(value);
        }
    }
    return std::unique_ptr<Connector>(std::make_unique<PgConnector>(
        std::move(keywords), std::move(values), options.prepared_statements));
}

}  // namespace pqpool

// SPDX-License-Identifier: MIT
// PgConnection: statements, pipelines, pings and zero-round-trip checks over libpq.
#include "pg_connection.hpp"

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

namespace pqpool::detail {
namespace {

using PgResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

Error TimeoutError() {
    // Not kTimeout: that is the pool's "exhausted"; here the database did not answer.
    return Error(ErrorCode::kConnectionLost,
                 "no answer from the database before the statement deadline; connection dropped");
}

/// A prefix no other connection's statement names share, even on one server behind a pooler
/// that mixes sessions: a random tag of this process and a count of its connections.
std::string StatementNamePrefix() {
    static const std::uint64_t process_tag = [] {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }();
    static std::atomic<std::uint64_t> connections{0};
    char prefix[48];
    std::snprintf(prefix, sizeof prefix, "pqpool_%016llx_%llu_",
                  static_cast<unsigned long long>(process_tag),
                  static_cast<unsigned long long>(++connections));
    return prefix;
}

}  // namespace

int WaitSocket(int fd, short events, Deadline deadline) noexcept {
    for (;;) {
        int timeout_ms = -1;
        if (deadline != Deadline::max()) {
            const auto left = deadline - Clock::now();
            if (left <= Clock::duration::zero()) {
                timeout_ms = 0;
            } else {
                // Round up so poll never wakes just before the deadline and spins.
                const auto ms = std::chrono::ceil<Millis>(left).count();
                timeout_ms = ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
            }
        }
        pollfd pfd{fd, events, 0};
        const int ready = poll(&pfd, 1, timeout_ms);
        if (ready > 0) return 1;
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (timeout_ms == 0 || Clock::now() >= deadline) return 0;
    }
}

std::string TrimMessage(const char* message) {
    std::string text = message != nullptr ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

PgConnection::PgConnection(PgConnPtr conn, std::size_t prepared_limit)
    : conn_(std::move(conn)),
      prepared_limit_(prepared_limit),
      name_prefix_(prepared_limit > 0 ? StatementNamePrefix() : std::string()) {
    PQsetNoticeReceiver(conn_.get(), &PgConnection::OnNotice, this);
}

void PgConnection::OnNotice(void* self, const PGresult* result) {
    // An ERROR/FATAL that arrives while no query runs is routed here by libpq; FATAL means the
    // server is about to close the session (57P01 admin shutdown, idle-session timeout, ...).
    // Immediate shutdown sends its 57P01 as a WARNING, so look at the SQLSTATE too.
    const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const std::string_view level = severity != nullptr ? severity : "";
    const std::string_view state = sqlstate != nullptr ? sqlstate : "";
    if (level == "FATAL" || level == "PANIC" || state.starts_with("57P")) {
        static_cast<PgConnection*>(self)->fatal_notice_ = true;
    }
}

TxState PgConnection::transaction_state() const noexcept {
    if (fatal_notice_ || PQstatus(conn_.get()) != CONNECTION_OK) return TxState::kUnknown;
    switch (PQtransactionStatus(conn_.get())) {
        case PQTRANS_IDLE: return TxState::kIdle;
        case PQTRANS_ACTIVE: return TxState::kActive;
        case PQTRANS_INTRANS: return TxState::kInTransaction;
        case PQTRANS_INERROR: return TxState::kInError;
        case PQTRANS_UNKNOWN: break;
    }
    return TxState::kUnknown;
}

bool PgConnection::CheckSocket() noexcept {
    PGconn* conn = conn_.get();
    // A killed backend usually leaves a FATAL message and then EOF; they may arrive in one
    // read or two, so look again after consuming.
    for (int round = 0; round < 4; ++round) {
        if (fatal_notice_ || PQstatus(conn) != CONNECTION_OK) return false;
        pollfd pfd{PQsocket(conn), POLLIN, 0};
        const int ready = poll(&pfd, 1, 0);
        if (ready == 0) return true;
        if (ready < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if ((pfd.revents & (POLLERR | POLLNVAL)) != 0) return false;
        if (PQconsumeInput(conn) == 0) return false;
        // PQconsumeInput only buffers; PQisBusy parses, which hands an unsolicited FATAL to
        // OnNotice even when the EOF behind it has not arrived yet.
        (void)PQisBusy(conn);
    }
    return !fatal_notice_ && PQstatus(conn) == CONNECTION_OK;
}

Error PgConnection::LostError(std::string_view doing) const {
    std::string message = "connection lost while ";
    message += doing;
    const std::string detail = TrimMessage(PQerrorMessage(conn_.get()));
    if (!detail.empty()) message += ": " + detail;
    return Error(ErrorCode::kConnectionLost, std::move(message));
}

Error PgConnection::ResultError(const PGresult* result) const {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    std::string message = TrimMessage(PQresultErrorMessage(result));
    if (message.empty()) message = TrimMessage(PQerrorMessage(conn_.get()));
    const ErrorCode code =
        PQstatus(conn_.get()) == CONNECTION_OK ? ErrorCode::kSql : ErrorCode::kConnectionLost;
    Error error(code, std::move(message), state != nullptr ? state : "");
    if (const char* position = PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION)) {
        error.WithStatementPosition(std::atoi(position));
    }
    return error;
}

Result<PGresult*> PgConnection::NextResult(Deadline deadline) {
    PGconn* conn = conn_.get();
    while (PQisBusy(conn) != 0) {
        const int ready = WaitSocket(PQsocket(conn), POLLIN, deadline);
        if (ready == 0) return TimeoutError();
        if (ready < 0 || PQconsumeInput(conn) == 0) return LostError("waiting for a result");
    }
    return PQgetResult(conn);
}

bool PgConnection::PlanUses(std::span<const Statement> statements, std::vector<Use>& uses) {
    uses.assign(statements.size(), Use{});
    if (prepared_limit_ == 0) return false;
    bool parsing = false;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        // Found unconfirmed: parsed earlier in this batch, so its Parse precedes this use.
        if (auto found = named_.find(statements[i].sql); found != named_.end()) {
            uses[i].named = &found->second;
        } else if (named_.size() < prepared_limit_) {
            auto added = named_.emplace(std::string(statements[i].sql),
                                        Named{name_prefix_ + std::to_string(++last_name_), false});
            uses[i] = {&added.first->second, true};
            parsing = true;
        }
    }
    return parsing;
}

Status PgConnection::Send(const Statement& statement, const Use& use) {
    // Text parameters must be NUL-terminated; string_views need not be.
    std::vector<std::string> storage;
    std::vector<const char*> values;
    storage.reserve(statement.params.size());
    values.reserve(statement.params.size());
    for (const Param& param : statement.params) {
        if (param.has_value()) {
            storage.emplace_back(*param);
            values.push_back(storage.back().c_str());
        } else {
            values.push_back(nullptr);
        }
    }
    const int count = static_cast<int>(values.size());
    int sent = 0;
    if (use.named == nullptr) {
        const std::string sql(statement.sql);
        sent = PQsendQueryParams(conn_.get(), sql.c_str(), count, nullptr, values.data(), nullptr,
                                 nullptr, 0);
    } else {
        const char* name = use.named->name.c_str();
        if (use.parse) {
            const std::string sql(statement.sql);
            if (PQsendPrepare(conn_.get(), name, sql.c_str(), count, nullptr) == 0) {
                return LostError("sending a statement");
            }
        }
        sent = PQsendQueryPrepared(conn_.get(), name, count, values.data(), nullptr, nullptr, 0);
    }
    if (sent == 0) return LostError("sending a statement");
    return {};
}

Result<QueryResult> PgConnection::DoExecuteBatch(std::span<const Statement> statements,
                                                 std::size_t result_index, Deadline deadline) {
    PGconn* conn = conn_.get();
    std::vector<Use> uses;
    const bool parsing = PlanUses(statements, uses);
    // Whatever way the batch ends, a Parse the server did not accept is not kept.
    struct ForgetUnconfirmed {
        NamedStatements& named;
        bool any;
        ~ForgetUnconfirmed() {
            if (any)
                std::erase_if(named, [](const auto& entry) { return !entry.second.confirmed; });
        }
    } forget{named_, parsing};
    // A Parse and its statement go in one round trip: a pipeline.
    const bool pipelined = statements.size() > 1 || parsing;
    if (pipelined && PQenterPipelineMode(conn) == 0) return LostError("entering pipeline mode");
    for (std::size_t i = 0; i < statements.size(); ++i) {
        if (Status sent = Send(statements[i], uses[i]); !sent.ok()) return sent.error();
    }
    if (pipelined && PQpipelineSync(conn) == 0) return LostError("sending a pipeline sync");

    QueryResult wanted;
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        // A Parse yields its own result, then a null; its failure is the statement's.
        while (uses[i].parse) {
            auto next = NextResult(deadline);
            if (!next.ok()) return std::move(next).error();
            if (next.value() == nullptr) break;
            PgResultPtr result(next.value(), PQclear);
            const ExecStatusType status = PQresultStatus(result.get());
            if (status == PGRES_COMMAND_OK) {
                uses[i].named->confirmed = true;
            } else if (status != PGRES_PIPELINE_ABORTED && !first_error) {
                first_error = ResultError(result.get()).WithFailedStatement(i);
            }
        }
        // Each statement yields its results, then a null.
        for (;;) {
            auto next = NextResult(deadline);
            if (!next.ok()) return std::move(next).error();
            PGresult* raw = next.value();
            if (raw == nullptr) break;
            PgResultPtr result(raw, PQclear);
            const ExecStatusType status = PQresultStatus(raw);
            if (status == PGRES_FATAL_ERROR) {
                if (!first_error) first_error = ResultError(raw).WithFailedStatement(i);
                if (!pipelined && PQstatus(conn) != CONNECTION_OK) return *first_error;
            } else if (status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR) {
                if (!first_error) first_error = ResultError(raw).WithFailedStatement(i);
            } else if (i == result_index && status != PGRES_PIPELINE_ABORTED) {
                wanted = QueryResult(result.release());
            }
        }
    }
    if (pipelined) {
        auto sync = NextResult(deadline);
        if (!sync.ok()) return std::move(sync).error();
        PgResultPtr result(sync.value(), PQclear);
        if (!result || PQresultStatus(result.get()) != PGRES_PIPELINE_SYNC ||
            PQexitPipelineMode(conn) == 0) {
            return LostError("ending a pipeline");
        }
    }
    if (first_error) return *std::move(first_error);
    return wanted;
}

Status PgConnection::DoExecuteScript(std::string_view sql, Deadline deadline) {
    PGconn* conn = conn_.get();
    if (fatal_notice_ || PQsendQuery(conn, std::string(sql).c_str()) == 0) {
        return LostError("sending a script");
    }
    // One result per statement, then a null; after an error the server skips the rest.
    std::optional<Error> first_error;
    for (;;) {
        auto next = NextResult(deadline);
        if (!next.ok()) return std::move(next).error();
        if (next.value() == nullptr) break;
        PgResultPtr result(next.value(), PQclear);
        const ExecStatusType status = PQresultStatus(result.get());
        if ((status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) && !first_error) {
            first_error = ResultError(result.get());
        }
    }
    if (first_error) return *std::move(first_error);
    return {};
}

namespace {

/// PQcancel over a PGcancel taken while the connection was idle.
class PgCanceller final : public Canceller {
public:
    explicit PgCanceller(PGcancel* cancel) : cancel_(cancel) {}
    ~PgCanceller() override { PQfreeCancel(cancel_); }
    PgCanceller(const PgCanceller&) = delete;
    PgCanceller& operator=(const PgCanceller&) = delete;

    bool Cancel() noexcept override {
        char error[256];
        return PQcancel(cancel_, error, sizeof error) == 1;
    }

private:
    PGcancel* cancel_;
};

}  // namespace

std::unique_ptr<Canceller> PgConnection::MakeCanceller() {
    PGcancel* cancel = PQgetCancel(conn_.get());
    if (cancel == nullptr) return nullptr;
    return std::make_unique<PgCanceller>(cancel);
}

Status PgConnection::Ping(Deadline deadline) {
    PGconn* conn = conn_.get();
    if (fatal_notice_ || PQsendQuery(conn, "") == 0) return LostError("sending a ping");
    bool ok = false;
    for (;;) {
        auto next = NextResult(deadline);
        if (!next.ok()) {
            MarkBroken();
            return std::move(next).error();
        }
        if (next.value() == nullptr) break;
        PgResultPtr result(next.value(), PQclear);
        ok = PQresultStatus(result.get()) == PGRES_EMPTY_QUERY;
    }
    if (!ok) return LostError("pinging");
    return {};
}

}  // namespace pqpool::detail

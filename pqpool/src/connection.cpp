// SPDX-License-Identifier: MIT
// Connection: error classification shared by every transport.
#include "pqpool/connection.hpp"

namespace pqpool {

bool Connection::IsEvictingSqlState(std::string_view sqlstate) noexcept {
    // 08: connection exceptions; 57P01-03: admin/crash shutdown, cannot connect now;
    // 25006: read-only transaction (we are on a demoted primary); 0A000: e.g. "cached plan
    // must not change result type" after DDL.
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
           sqlstate == "57P03" || sqlstate == "25006" || sqlstate == "0A000";
}

Result<QueryResult> Connection::Execute(std::string_view sql, std::span<const Param> params,
                                        Deadline deadline) {
    const Statement statement{sql, params};
    return ExecuteBatch(std::span<const Statement>(&statement, 1), deadline);
}

Result<QueryResult> Connection::ExecuteBatch(std::span<const Statement> statements,
                                             Deadline deadline, std::size_t result_index) {
    PQPOOL_CHECK(!statements.empty());
    if (result_index == kLastResult) result_index = statements.size() - 1;
    PQPOOL_CHECK(result_index < statements.size());
    PQPOOL_DCHECK(leased_);  // Use after the lease returned the connection.
    if (broken_) {
        return Error(ErrorCode::kConnectionLost, "connection is broken and awaits return");
    }
    auto result = DoExecuteBatch(statements, result_index, deadline);
    if (!result.ok()) NoteError(result.error());
    return result;
}

Status Connection::ExecuteScript(std::string_view sql, Deadline deadline) {
    PQPOOL_DCHECK(leased_);  // Use after the lease returned the connection.
    if (broken_) {
        return Error(ErrorCode::kConnectionLost, "connection is broken and awaits return");
    }
    Status status = DoExecuteScript(sql, deadline);
    if (!status.ok()) NoteError(status.error());
    return status;
}

Status Connection::DoExecuteScript(std::string_view /*sql*/, Deadline /*deadline*/) {
    return Error(ErrorCode::kInvalidArgument, "this connection cannot run scripts");
}

void Connection::NoteError(const Error& error) noexcept {
    if (error.code() == ErrorCode::kInvalidArgument) return;
    if (error.code() != ErrorCode::kSql || IsEvictingSqlState(error.sqlstate())) broken_ = true;
}

}  // namespace pqpool

// SPDX-License-Identifier: MIT
// QueryResult accessors over PGresult.
#include "pqpool/query_result.hpp"

#include <cstdlib>

#include <libpq-fe.h>

namespace pqpool {

QueryResult::QueryResult(pg_result* result) : result_(result, [](pg_result* r) { PQclear(r); }) {}

int QueryResult::rows() const noexcept { return result_ ? PQntuples(result_.get()) : 0; }

int QueryResult::columns() const noexcept { return result_ ? PQnfields(result_.get()) : 0; }

std::string_view QueryResult::Get(int row, int column) const noexcept {
    const PGresult* r = result_.get();
    return {PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column))};
}

bool QueryResult::IsNull(int row, int column) const noexcept {
    return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view QueryResult::ColumnName(int column) const noexcept {
    const char* name = PQfname(result_.get(), column);
    return name != nullptr ? std::string_view(name) : std::string_view();
}

std::uint32_t QueryResult::ColumnType(int column) const noexcept {
    return result_ ? static_cast<std::uint32_t>(PQftype(result_.get(), column)) : 0;
}

std::int64_t QueryResult::AffectedRows() const noexcept {
    if (!result_) return 0;
    const char* tuples = PQcmdTuples(result_.get());
    return tuples[0] == '\0' ? 0 : std::strtoll(tuples, nullptr, 10);
}

}  // namespace pqpool

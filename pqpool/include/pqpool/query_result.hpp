// SPDX-License-Identifier: MIT
// QueryResult: an owned, read-only libpq result.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

struct pg_result;  // libpq's PGresult

namespace pqpool {

/// The rows (or command status) of one statement. Owns its PGresult; move-only in effect
/// (copies share the same immutable result).
///
/// Thread safety: immutable; may be read from several threads.
class QueryResult {
public:
    /// An empty result (no rows), as returned by fake connections in tests.
    QueryResult() = default;
    /// Takes ownership of `result` (may be null).
    explicit QueryResult(pg_result* result);

    [[nodiscard]] int rows() const noexcept;
    [[nodiscard]] int columns() const noexcept;
    /// REQUIRES: row < rows(), column < columns(). NULL reads as "".
    [[nodiscard]] std::string_view Get(int row, int column) const noexcept;
    [[nodiscard]] bool IsNull(int row, int column) const noexcept;
    [[nodiscard]] std::string_view ColumnName(int column) const noexcept;
    /// The column's type as PostgreSQL's type OID (pg_type.oid, e.g. 23 for integer); 0 for
    /// an empty result. REQUIRES: column < columns() when the result is not empty.
    [[nodiscard]] std::uint32_t ColumnType(int column) const noexcept;
    /// Rows affected by INSERT/UPDATE/DELETE/…; 0 for other commands.
    [[nodiscard]] std::int64_t AffectedRows() const noexcept;
    /// The raw result for libpq users; null for an empty result.
    [[nodiscard]] const pg_result* native() const noexcept { return result_.get(); }

private:
    std::shared_ptr<pg_result> result_;
};

}  // namespace pqpool

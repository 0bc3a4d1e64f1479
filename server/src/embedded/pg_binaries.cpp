// SPDX-License-Identifier: MIT
// FindPgBinaries: MNEMO_PG_BINDIR, then /usr/lib/postgresql/<major>/bin, then PATH.
#include "embedded/pg_binaries.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <system_error>
#include <vector>

namespace mnemo::embedded {
namespace {

constexpr std::string_view kInstallHint =
    "install them with `apt-get install postgresql` (Debian/Ubuntu) or set MNEMO_PG_BINDIR to "
    "the directory that holds them";

bool IsExecutableFile(const std::filesystem::path& file) {
    std::error_code error;
    return std::filesystem::is_regular_file(file, error) && access(file.c_str(), X_OK) == 0;
}

std::optional<PgBinaries> InDirectory(const std::filesystem::path& dir) {
    if (dir.empty()) return std::nullopt;
    for (const char* program : {"initdb", "pg_ctl", "postgres"}) {
        if (!IsExecutableFile(dir / program)) return std::nullopt;
    }
    const auto absolute = std::filesystem::absolute(dir).lexically_normal();
    return PgBinaries{absolute, absolute / "initdb", absolute / "pg_ctl"};
}

// The numeric subdirectories of `root` (Debian installs one per major version), highest first.
std::vector<int> MajorVersions(const std::filesystem::path& root) {
    std::vector<int> versions;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.size() > 4 ||
            !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            continue;
        }
        versions.push_back(std::stoi(name));
    }
    std::sort(versions.rbegin(), versions.rend());
    return versions;
}

}  // namespace

PgBinarySearch PgBinarySearch::FromEnvironment() {
    PgBinarySearch search;
    // NOLINTBEGIN(concurrency-mt-unsafe): mnemo never modifies its environment.
    if (const char* bindir = std::getenv("MNEMO_PG_BINDIR"); bindir != nullptr && *bindir != 0) {
        search.bindir_override = std::filesystem::path(bindir);
    }
    if (const char* path = std::getenv("PATH"); path != nullptr) search.path = path;
    // NOLINTEND(concurrency-mt-unsafe)
    return search;
}

Result<PgBinaries> FindPgBinaries(const PgBinarySearch& search) {
    if (search.bindir_override) {
        if (auto found = InDirectory(*search.bindir_override)) return std::move(*found);
        return Error(ErrorCode::kUnavailable,
                     "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
                     "MNEMO_PG_BINDIR=" +
                         search.bindir_override->string() + ": " + std::string(kInstallHint));
    }
    if (search.preferred_major) {
        const auto dir = search.versions_root / std::to_string(*search.preferred_major) / "bin";
        if (auto found = InDirectory(dir)) return std::move(*found);
    }
    for (int major : MajorVersions(search.versions_root)) {
        if (auto found = InDirectory(search.versions_root / std::to_string(major) / "bin")) {
            return std::move(*found);
        }
    }
    std::string_view path = search.path;
    while (!path.empty()) {
        const std::size_t colon = std::min(path.find(':'), path.size());
        if (auto found = InDirectory(std::filesystem::path(path.substr(0, colon)))) {
            return std::move(*found);
        }
        path.remove_prefix(std::min(colon + 1, path.size()));
    }
    return Error(ErrorCode::kUnavailable,
                 "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in " +
                     search.versions_root.string() +
                     "/*/bin or PATH: " + std::string(kInstallHint));
}

}  // namespace mnemo::embedded

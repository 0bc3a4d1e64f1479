// SPDX-License-Identifier: MIT
// ClusterLayout: paths, validation, connection strings, server settings and log tails.
#include "embedded/layout.hpp"

#include <sys/un.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "embedded/subprocess.hpp"

namespace mnemo::embedded {
namespace {

Error InvalidHome(const std::filesystem::path& home, const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "embedded cluster home " + home.string() + ": " +
                                                  why +
                                                  "; choose another directory with MNEMO_HOME");
}

// Characters that pg_ctl's `/bin/sh -c "exec postgres -D \"...\""` or the comma-separated
// unix_socket_directories setting would misread.
bool IsUnsafePathChar(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f || c == '"' || c == '\'' || c == '\\' || c == '$' ||
           c == '`' || c == ',';
}

// A conninfo value, quoted when it has to be (libpq's key='value' syntax).
std::string ConninfoValue(std::string_view value) {
    if (!value.empty() && value.find_first_of(" '\\\t") == std::string_view::npos) {
        return std::string(value);
    }
    std::string quoted = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

}  // namespace

Result<ClusterLayout> ClusterLayout::For(const std::filesystem::path& home) {
    if (home.empty()) return InvalidHome(home, "the path is empty");
    std::error_code error;
    auto absolute = std::filesystem::absolute(home, error);
    if (error) return InvalidHome(home, error.message());
    // Resolving symlinks makes the socket path check honest and names the directories whose
    // permissions actually matter.
    auto resolved = std::filesystem::weakly_canonical(absolute, error);
    ClusterLayout layout;
    layout.home = error ? absolute.lexically_normal() : resolved;
    const std::string text = layout.home.string();
    for (char c : text) {
        if (IsUnsafePathChar(c)) {
            return InvalidHome(layout.home,
                               "the path contains a character (quote, backslash, "
                               "$, backquote, comma or control character) that "
                               "PostgreSQL's tools cannot take");
        }
    }
    layout.pg_directory = layout.home / "pg";
    layout.data_directory = layout.pg_directory / "data";
    layout.staging_directory = layout.pg_directory / "data.initdb";
    layout.socket_directory = layout.pg_directory / "run";
    layout.socket_file = layout.socket_directory / (".s.PGSQL." + std::to_string(kPort));
    layout.log_file = layout.pg_directory / "postgresql.log";
    layout.lock_file = layout.pg_directory / "lock";

    constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;
    const std::size_t length = layout.socket_file.string().size();
    if (length > kMaxSocketPath) {
        return InvalidHome(layout.home, "its socket path " + layout.socket_file.string() + " is " +
                                            std::to_string(length) + " bytes, more than the " +
                                            std::to_string(kMaxSocketPath) +
                                            " a Unix socket address holds");
    }
    return layout;
}

std::string ClusterLayout::Conninfo(std::string_view user, std::string_view database) const {
    return "host=" + ConninfoValue(socket_directory.string()) + " port=" + std::to_string(kPort) +
           " dbname=" + ConninfoValue(database) + " user=" + ConninfoValue(user);
}

std::string ClusterLayout::ServerSettings() const {
    std::ostringstream out;
    out << "# Written by mnemo before every start of its embedded cluster: edits here are lost.\n"
           "# Own settings belong in postgresql.auto.conf (ALTER SYSTEM), read after this file.\n"
           "listen_addresses = ''\n"  // Unix socket only: no TCP port to clash or to expose.
        << "port = " << kPort << "\n"
        << "unix_socket_directories = '\"" << socket_directory.string() << "\"'\n"
        << "unix_socket_permissions = 0700\n"
           "max_connections = 100\n"
           "shared_buffers = 32MB\n"
           "max_wal_size = 256MB\n"
           "min_wal_size = 64MB\n"
           "fsync = on\n"
           "logging_collector = off\n"  // stderr goes to the log file pg_ctl -l names.
           "log_destination = 'stderr'\n"
           "log_line_prefix = '%m [%p] '\n"
           "log_checkpoints = off\n";
    return out.str();
}

int DataDirectoryVersion(const ClusterLayout& layout) {
    std::ifstream in(layout.data_directory / "PG_VERSION");
    int major = 0;
    if (!(in >> major)) return 0;
    return major;
}

std::uintmax_t FileSize(const std::filesystem::path& file) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    return error ? 0 : size;
}

std::string LogTail(const std::filesystem::path& file, std::uintmax_t from_offset,
                    std::size_t max_lines) {
    constexpr std::uintmax_t kWindow = std::uintmax_t{64} << 10;
    const std::uintmax_t size = FileSize(file);
    std::uintmax_t start = size > kWindow ? size - kWindow : 0;
    if (size > from_offset) start = std::max(start, from_offset);
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    in.seekg(static_cast<std::streamoff>(start));
    std::string text(static_cast<std::size_t>(size - start), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return LastLines(text, max_lines);
}

}  // namespace mnemo::embedded

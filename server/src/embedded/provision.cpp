// SPDX-License-Identifier: MIT
// Provision: the mnemo role and database, created through pqpool as the bootstrap superuser.
#include "embedded/provision.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "pqpool/pool.hpp"
#include "util/log.hpp"

namespace mnemo::embedded {
namespace {

using pqpool::Error;
using pqpool::ErrorCode;

// Both statements are idempotent; CREATE DATABASE cannot run inside DO (no transaction
// block), hence the separate existence check, safe because the caller holds the lock.
constexpr std::string_view kCreateRole =
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'mnemo') THEN "
    "CREATE ROLE mnemo LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; "
    "END IF; END $$";
constexpr std::string_view kDatabaseExists =
    "SELECT 1 FROM pg_catalog.pg_database WHERE datname = 'mnemo'";
constexpr std::string_view kCreateDatabase = "CREATE DATABASE mnemo OWNER mnemo";

// Keeps the statement's code (kSql, kConnectionLost, kTimeout): only a failed connect is
// reported as kDatabaseUnavailable, which tells the caller a retry may help.
Error Failed(std::string_view what, const Error& error) {
    return Error(error.code(), "embedded cluster: " + std::string(what) + ": " + error.message(),
                 error.sqlstate());
}

// A one-connection pool: pqpool's connector bounds the connect by the deadline and retries
// while the server answers "starting up" (57P03).
pqpool::PoolOptions SuperuserPoolOptions(const ClusterLayout& layout) {
    pqpool::PoolOptions options;
    options.conninfo = layout.Conninfo(kSuperuser, "postgres");
    options.name = "mnemo-embedded-setup";
    options.max_size = 1;
    options.tenant_max_leases = 1;
    options.max_connecting = 1;
    options.connect_timeout = std::chrono::milliseconds(2'000);
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(250);
    options.logger = [](pqpool::LogLevel, std::string_view message) {
        log::Debug("embedded_cluster_setup_pool", {{"message", message}});
    };
    return options;
}

pqpool::Status CreateRoleAndDatabase(pqpool::Lease& lease, pqpool::Deadline deadline) {
    auto role = lease.Execute(kCreateRole, {}, deadline);
    if (!role) return Failed("creating role mnemo", role.error());
    auto exists = lease.Execute(kDatabaseExists, {}, deadline);
    if (!exists) return Failed("looking for database mnemo", exists.error());
    if (exists->rows() == 0) {
        auto created = lease.Execute(kCreateDatabase, {}, deadline);
        if (!created) return Failed("creating database mnemo", created.error());
        log::Info("embedded_cluster_database_created", {{"database", kDatabase}, {"owner", kRole}});
    }
    return {};
}

}  // namespace

bool SocketAccepts(const std::filesystem::path& socket_file) {
    sockaddr_un address{};
    const std::string path = socket_file.string();
    if (path.size() >= sizeof address.sun_path) return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool accepted =
        connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return accepted;
}

pqpool::Status Provision(const ClusterLayout& layout, pqpool::Deadline connect_deadline,
                         pqpool::Deadline deadline) {
    auto pool = pqpool::Pool::Create(SuperuserPoolOptions(layout));
    if (!pool) return Failed("setting up the connection", pool.error());
    pqpool::Status status;
    {
        auto lease = (*pool)->Acquire(connect_deadline);
        if (!lease) {
            status = Error(ErrorCode::kDatabaseUnavailable, "embedded cluster: no connection on " +
                                                                layout.socket_directory.string() +
                                                                ": " + lease.error().message());
        } else {
            status = CreateRoleAndDatabase(*lease, deadline);
        }
    }
    // The lease is back; closing only disconnects.
    (void)(*pool)->Close(pqpool::Clock::now() + std::chrono::seconds(1));
    return status;
}

}  // namespace mnemo::embedded

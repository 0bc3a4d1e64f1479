// SPDX-License-Identifier: MIT
// Provisioning a started cluster: whether its socket accepts, and the function (given by
// cli/: memory::ProvisionCluster) that creates mnemo's role and database in it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "util/error.hpp"

namespace mnemo::embedded {

/// True when a server accepts connections on `socket_file` right now: a bare connect(2), no
/// startup packet, so the server logs nothing. False when the socket is missing or refuses.
[[nodiscard]] bool SocketAccepts(const std::filesystem::path& socket_file);

/// Makes sure mnemo's role and database exist in a cluster whose socket accepts, connecting
/// as the bootstrap superuser: `postgres_conninfo` reaches database postgres,
/// `mnemo_conninfo` database mnemo, `where` names the socket directory in messages.
/// Connecting is retried until `connect_deadline`, statements end by `deadline`. Idempotent;
/// the caller holds the cluster's lock. Errors: kUnavailable when no connection could be had
/// (worth retrying while a postmaster runs), another code for a failed statement.
using Provisioner = std::function<Status(
    const std::string& postgres_conninfo, const std::string& mnemo_conninfo,
    const std::string& where, std::chrono::steady_clock::time_point connect_deadline,
    std::chrono::steady_clock::time_point deadline)>;

}  // namespace mnemo::embedded

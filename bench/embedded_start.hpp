// SPDX-License-Identifier: MIT
// StartEmbedded: the mnemo benches' embedded cluster, started (or found running) in a home.
#pragma once

#include <filesystem>
#include <string>

namespace mnemo::bench {

struct EmbeddedStart {
    std::string conninfo;
    bool started = false;  // false: it was already running
    std::string note;      // "started in 1.6 s" | "already running"
};

/// Starts mnemo's embedded cluster under `home` (or finds it running), within 120 s.
/// Fails (BenchFailure) with the cluster's own message otherwise.
[[nodiscard]] EmbeddedStart StartEmbedded(const std::filesystem::path& home);

}  // namespace mnemo::bench

// SPDX-License-Identifier: MIT
// StartEmbedded: one EmbeddedCluster::EnsureRunning, timed for the report.
#include "embedded_start.hpp"

#include "child_process.hpp"
#include "cli/database.hpp"
#include "embedded/cluster.hpp"

namespace mnemo::bench {

EmbeddedStart StartEmbedded(const std::filesystem::path& home) {
    embedded::EmbeddedCluster cluster = cli::EmbeddedClusterAt(home);
    auto status = cluster.Status();
    if (!status.ok()) Fail("embedded cluster: " + status.error().message());
    EmbeddedStart start;
    start.started = !status->running;
    const auto begun = BenchClock::now();
    auto conninfo = cluster.EnsureRunning(begun + std::chrono::seconds(120));
    if (!conninfo.ok()) Fail("starting the embedded cluster: " + conninfo.error().message());
    start.conninfo = *conninfo;
    start.note =
        start.started
            ? "started in " +
                  pqpool::bench::Fixed(pqpool::bench::Ns(BenchClock::now() - begun) / 1e9, 1) + " s"
            : "already running";
    return start;
}

}  // namespace mnemo::bench

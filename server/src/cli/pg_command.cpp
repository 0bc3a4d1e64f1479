// SPDX-License-Identifier: MIT
// `mnemo pg start|stop|status`: the embedded cluster by hand.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "embedded/cluster.hpp"

namespace mnemo::cli {

int RunPg(const Config& config, const std::string& action) {
    embedded::EmbeddedCluster cluster = EmbeddedClusterAt(config.home);
    if (action == "start") {
        auto conninfo =
            cluster.EnsureRunning(std::chrono::steady_clock::now() + std::chrono::seconds(60));
        if (!conninfo.ok()) {
            PrintError(conninfo.error().message());
            return 1;
        }
        std::printf("running: %s\n", conninfo->c_str());
        return 0;
    }
    if (action == "stop") {
        if (auto stopped = cluster.Stop(); !stopped.ok()) {
            PrintError(stopped.error().message());
            return 1;
        }
        std::printf("stopped\n");
        return 0;
    }
    auto status = cluster.Status();
    if (!status.ok()) {
        PrintError(status.error().message());
        return 1;
    }
    std::printf(
        "initialized: %s\nrunning:     %s\ndata:        %s\nsocket:      %s\nlog:         "
        "%s\nconninfo:    %s\n",
        status->initialized ? "yes" : "no", status->running ? "yes" : "no",
        status->data_directory.c_str(), status->socket_directory.c_str(), status->log_file.c_str(),
        status->conninfo.c_str());
    return status->running ? 0 : 3;
}

}  // namespace mnemo::cli

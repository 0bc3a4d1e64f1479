// SPDX-License-Identifier: MIT
// mnemo_stdio_bench's set-up: the home and its embedded cluster, and per section the mnemo
// children, our own pool and connection, and the variants on them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/database.hpp"
#include "config/config.hpp"
#include "stdio_report.hpp"

namespace mnemo::bench {

/// MNEMO_HOME with a running embedded cluster, the schema migrated, the secret registered, and
/// projects `workload.project` and `workload.recall_project`, the latter holding three
/// versions of the recall topic. TearDown (also run
/// by the destructor, so a failed run cleans up while unwinding) stops the cluster if SetUp
/// started it and removes the home if SetUp created it.
///
/// Thread safety: one thread.
class BenchHome {
public:
    BenchHome() = default;
    BenchHome(const BenchHome&) = delete;
    BenchHome& operator=(const BenchHome&) = delete;
    ~BenchHome() { TearDown(); }

    /// `home`: empty for a new temporary directory. Fails (BenchFailure) on any error.
    void SetUp(const std::string& home, const Workload& workload);
    void TearDown() noexcept;

    [[nodiscard]] const std::filesystem::path& home() const { return home_; }
    [[nodiscard]] bool temporary() const { return own_home_; }
    /// The conninfo EnsureRunning returned (no options).
    [[nodiscard]] const std::string& conninfo() const { return conninfo_; }
    /// Config as mnemo loads it from environment() with --project workload.project.
    [[nodiscard]] const Config& config() const { return config_; }
    /// The children's environment: ours without DATABASE_URL, MNEMO_PROJECT, MNEMO_LOG_LEVEL
    /// and PGOPTIONS, plus MNEMO_HOME.
    [[nodiscard]] const std::map<std::string, std::string>& environment() const {
        return environment_;
    }
    [[nodiscard]] const memory::TenantKeys& keys() const { return *keys_; }
    /// "started in 3.1 s" or "already running".
    [[nodiscard]] const std::string& cluster_note() const { return cluster_note_; }

private:
    std::filesystem::path home_;
    bool own_home_ = false;
    bool started_cluster_ = false;
    std::string conninfo_;
    std::string cluster_note_;
    Config config_;
    std::map<std::string, std::string> environment_;
    std::unique_ptr<memory::TenantKeys> keys_;
};

/// What a section varies: the server settings every connection of the section starts with.
struct SectionSettings {
    /// PostgreSQL options for every connection (libpq `options`, PGOPTIONS for the children),
    /// e.g. "-c synchronous_commit=off"; empty for the cluster's own settings.
    std::string pg_options;
    bool with_info_log = true;  ///< Also a mnemo child with MNEMO_LOG_LEVEL=info.
    std::string mnemo;          ///< The mnemo binary.
};

/// The variants of one section, on fresh connections and fresh mnemo children (their pools
/// connect with the section's settings). TearDown (and the destructor) closes the children's
/// stdin — mnemo exits on EOF — and waits for them, then closes our pool and connection.
///
/// Thread safety: one thread.
class SectionFixture {
public:
    SectionFixture() = default;
    SectionFixture(const SectionFixture&) = delete;
    SectionFixture& operator=(const SectionFixture&) = delete;
    ~SectionFixture() { TearDown(); }

    /// Starts everything and checks that all variants see the same data and settings.
    void SetUp(const BenchHome& home, const SectionSettings& settings, const Workload& workload);
    void TearDown() noexcept;

    [[nodiscard]] std::vector<NamedVariant>& variants() { return variants_; }
    /// The raw connection (for SHOW queries).
    [[nodiscard]] PGconn* raw() const { return raw_.get(); }

private:
    std::unique_ptr<ChildProcess> StartMnemo(const BenchHome& home, const SectionSettings& settings,
                                             const std::string& log_level);

    std::vector<std::unique_ptr<ChildProcess>> children_;
    PgConnPtr raw_{nullptr, &PQfinish};
    std::shared_ptr<pqpool::Pool> pool_;
    std::unique_ptr<memory::Store> store_;
    std::unique_ptr<InProcessServer> in_process_;
    std::vector<NamedVariant> variants_;
};

}  // namespace mnemo::bench

// SPDX-License-Identifier: MIT
// `mnemo doctor`: is the database reachable, migrated, safe, and big enough for the budget?
#include <algorithm>
#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "memory/caller_pool.hpp"
#include "memory/migrations.hpp"
#include "memory/server_facts.hpp"

namespace mnemo::cli {
namespace {

struct Report {
    int failures = 0;
    int warnings = 0;

    void Ok(const std::string& check, const std::string& detail) { Print("ok", check, detail); }
    void Warn(const std::string& check, const std::string& detail) {
        ++warnings;
        Print("WARN", check, detail);
    }
    void Fail(const std::string& check, const std::string& detail) {
        ++failures;
        Print("FAIL", check, detail);
    }

private:
    static void Print(const char* status, const std::string& check, const std::string& detail) {
        std::printf("%-5s %-12s %s\n", status, check.c_str(), detail.c_str());
    }
};

using memory::ServerFacts;

void CheckBudget(const Config& config, const ServerFacts& facts, Report& report) {
    const int usable = facts.max_connections - facts.reserved;
    // mnemo's pool and the caller pool (query_database) each have their own budget.
    const int budget = static_cast<int>(config.pool_max_connections + config.query_max_connections);
    // Doctor's own connection is not one a server process would hold.
    const int others = std::max(0, facts.in_use - 1);
    const int free_now = std::max(0, usable - others);
    const std::string numbers =
        "budget " + std::to_string(config.pool_max_connections) + " + " +
        std::to_string(config.query_max_connections) + " for query_database per process; server " +
        "max_connections " + std::to_string(facts.max_connections) + " - " +
        std::to_string(facts.reserved) + " reserved = " + std::to_string(usable) + " usable, " +
        std::to_string(others) + " held by other clients now, " + std::to_string(free_now) +
        " free";
    if (budget > usable) {
        report.Fail("budget", numbers +
                                  ": one process can exceed the server's limit; lower "
                                  "MNEMO_POOL_MAX_CONNECTIONS or MNEMO_QUERY_MAX_CONNECTIONS");
        return;
    }
    const int processes = free_now / budget;
    const std::string fits = numbers + "; fits " + std::to_string(processes) +
                             " more mnemo processes (or replicas) at full budget";
    if (processes < 4) {
        report.Warn("budget", fits + " — tight for several assistants at once");
    } else {
        report.Ok("budget", fits);
    }
}

void CheckSecret(const Config& config, const Database& db, Report& report) {
    const std::string file = memory::TenantKeys::SecretFile(config.home).string();
    if (!db.keys) {
        report.Warn("secret", "none yet: `mnemo migrate` (or the first `mnemo serve`) creates " +
                                  file +
                                  "; or set MNEMO_SECRET. Every mnemo process on one database "
                                  "needs the same secret");
    } else {
        report.Ok("secret", config.secret.empty() ? "from " + file : "from MNEMO_SECRET");
    }
}

void CheckSchema(const memory::MigrationState& state, Report& report) {
    const std::string next = "`mnemo migrate` (or the first `mnemo serve`) ";
    if (state.applied == 0) {
        report.Warn("migrations", "no mnemo schema in this database yet: " + next +
                                      "creates it (version " + std::to_string(state.expected) +
                                      ")");
    } else if (state.applied < state.expected) {
        report.Warn("migrations", "schema at version " + std::to_string(state.applied) + "; " +
                                      next + "applies versions " +
                                      std::to_string(state.applied + 1) + "–" +
                                      std::to_string(state.expected));
    } else if (state.applied > state.expected) {
        report.Fail("migrations", "schema at version " + std::to_string(state.applied) +
                                      ", newer than this mnemo (" + std::to_string(state.expected) +
                                      "): upgrade mnemo");
    } else {
        report.Ok("migrations", "schema at version " + std::to_string(state.applied));
    }
}

void CheckRecordedSecret(const Database& db, Report& report) {
    switch (db.secret_fit) {
        case memory::SecretFit::kMatches:
            report.Ok("secret", "the one this database was set up with");
            break;
        case memory::SecretFit::kNotRecorded:
            report.Ok("secret",
                      "the database records none yet; the first `mnemo migrate` or "
                      "`mnemo serve` records " +
                          std::string(db.keys ? "this one" : "the one it creates"));
            break;
        case memory::SecretFit::kDiffers:
        case memory::SecretFit::kMissing:
            report.Fail("secret", memory::SecretProblem(db.secret_fit));
            break;
    }
}

void CheckCallerRoles(const Config& config, const Database& db, Report& report) {
    auto options =
        CallerPoolOptions(config, MakePoolOptions(config, db.pool->options().conninfo, *db.keys));
    auto setup = memory::OpenCallerPool(*db.pool, *db.keys, std::move(options), config.query_roles,
                                        memory::CallerRoles::kInspect);
    if (!setup.ok()) {
        report.Fail("caller", setup.error().message());
        return;
    }
    auto findings = memory::InspectCallerRoles(*db.pool, *setup);
    if (!findings.ok()) {
        report.Fail("caller", findings.error().message());
        return;
    }
    for (const auto& finding : *findings) {
        switch (finding.level) {
            case memory::CallerFinding::Level::kOk: report.Ok("caller", finding.text); break;
            case memory::CallerFinding::Level::kWarn: report.Warn("caller", finding.text); break;
            case memory::CallerFinding::Level::kFail: report.Fail("caller", finding.text); break;
        }
    }
}

int Verdict(const Report& report) {
    if (report.failures > 0) {
        std::printf("verdict: NOT READY (%d failed, %d warnings)\n", report.failures,
                    report.warnings);
        return 1;
    }
    std::printf("verdict: READY%s\n", report.warnings > 0 ? " (with warnings)" : "");
    return 0;
}

}  // namespace

int RunDoctor(const Config& config) {
    Report report;
    report.Ok("config", "pool budget " + std::to_string(config.pool_max_connections) +
                            ", project quota " + std::to_string(config.project_max_connections) +
                            ", user quota " + std::to_string(config.user_max_connections) +
                            ", acquire timeout " + std::to_string(config.acquire_timeout.count()) +
                            " ms, home " + config.home.string());
    // Doctor only reads: it creates no secret, no schema, no roles and no embedded cluster.
    auto db = OpenDatabase(config, Access::kInspect);
    if (!db.ok()) {
        report.Fail("database", db.error().message());
        return Verdict(report);
    }
    CheckSecret(config, *db, report);
    if (db->pool == nullptr) {
        report.Warn("database", db->embedded_not_running);
        return Verdict(report);
    }
    report.Ok("database", std::string(db->embedded ? "embedded " : "") + db->conninfo_for_display);
    auto facts = memory::ReadServerFacts(*db->pool, "doctor");
    if (!facts.ok()) {
        report.Fail("server", facts.error().message());
    } else {
        report.Ok("server", "PostgreSQL " + facts->version + ", role " + facts->role);
        if (facts->bypasses_rls) {
            report.Fail("isolation", "role '" + facts->role +
                                         "' is a superuser or has BYPASSRLS: row-level security "
                                         "does not isolate projects; use an ordinary role");
        } else {
            report.Ok("isolation", "row-level security applies to role '" + facts->role + "'");
        }
        CheckBudget(config, *facts, report);
    }
    auto state = memory::ReadMigrationState(*db->pool);
    if (!state.ok()) {
        report.Fail("migrations", state.error().message());
        return Verdict(report);
    }
    CheckSchema(*state, report);
    CheckRecordedSecret(*db, report);
    if (state->applied == state->expected && db->keys) {
        CheckCallerRoles(config, *db, report);
    } else {
        report.Ok("caller", "the roles query_database runs as are checked once the schema exists");
    }
    return Verdict(report);
}

}  // namespace mnemo::cli

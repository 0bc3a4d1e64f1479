// SPDX-License-Identifier: MIT
// Pgbench: the scripts, the run, and reading its summary and per-transaction logs.
#include "http_pgbench.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "embedded/pg_binaries.hpp"
#include "embedded/subprocess.hpp"
#include "http_sql.hpp"
#include "memory/context_sql.hpp"
#include "memory/search_query.hpp"
#include "memory/store.hpp"

namespace mnemo::bench {
namespace {

namespace fs = std::filesystem;

// `sql` with each $n replaced by replacements[n - 1]. REQUIRES: every $n has a replacement.
std::string Substitute(std::string_view sql, const std::vector<std::string>& replacements) {
    std::string out;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            std::size_t end = i + 1;
            std::size_t n = 0;
            while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') {
                n = n * 10 + static_cast<std::size_t>(sql[end] - '0');
                ++end;
            }
            if (n == 0 || n > replacements.size()) Fail("no replacement for $" + std::to_string(n));
            out += replacements[n - 1];
            i = end - 1;
        } else {
            out += sql[i];
        }
    }
    return out;
}

std::string Pipeline(const std::string& token_variable, const std::string& statement) {
    return "\\startpipeline\nSELECT set_config('mnemo.tenant', :" + token_variable + ", true);\n" +
           statement + ";\n\\endpipeline\n";
}

double CpuSeconds(const rusage& usage) {
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The number after `label` on the line of `output` that has it; -1 when absent.
double NumberAfter(const std::string& output, const std::string& label) {
    const std::size_t at = output.find(label);
    if (at == std::string::npos) return -1;
    return std::strtod(output.c_str() + at + label.size(), nullptr);
}

std::string FindBinary(const std::string& given) {
    if (!given.empty()) return fs::absolute(given).string();  // RunProcess runs in '/'.
    auto binaries = embedded::FindPgBinaries(embedded::PgBinarySearch::FromEnvironment());
    if (binaries.ok()) {
        const fs::path beside = binaries->directory / "pgbench";
        if (::access(beside.c_str(), X_OK) == 0) return beside.string();
    }
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): no setenv here.
    std::istringstream dirs(path != nullptr ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "pgbench";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    Fail(
        "pgbench not found next to the PostgreSQL server programs or in PATH (Debian: "
        "apt-get install postgresql-client); pass --pgbench PATH");
}

}  // namespace

Pgbench::Pgbench(const std::string& binary, const HttpFixture& fixture,
                 const HttpWorkload& workload, fs::path directory, std::string protocol)
    : binary_(FindBinary(binary)),
      conninfo_(fixture.conninfo()),
      environment_(EnvironmentEntries(fixture.environment())),
      directory_(std::move(directory)),
      protocol_(std::move(protocol)) {
    fs::create_directories(directory_);
    const std::string lock =
        Substitute(memory::sql::kLockContext, {"('bench/lock-' || :t::text)", ":content",
                                               ":priority", ":tags", "NULL", "NULL", "'keep'"});
    const std::string recall = Substitute(memory::sql::kRecallContext,
                                          {"('bench/recall-' || :r::text)", "NULL", ":preview"});
    const std::string search = Substitute(
        sql::kSearchContexts,
        {":strict", ":anyq", ":terms", ":fuzzy", "NULL", ":notags", ":limit", ":offset", "false"});
    // The search's parameters as the store builds them from the query text.
    const memory::SearchQuery built = memory::BuildSearchQuery(workload.query);
    const std::string session_check = Pipeline(
        "stok",
        // pgbench refuses an empty -D value: without auth the bearer hash is the literal ''.
        Substitute(sql::kResolveSession, {fixture.bearer_hash().empty() ? "''" : ":bhash", ":shash",
                                          ":ttl", ":checktoken"}));

    variables_ = {"content=" + workload.lock_content,
                  "priority=" + workload.priority,
                  "tags=" + memory::TextArrayLiteral(workload.tags),
                  "preview=false",
                  "strict=" + built.strict,
                  "anyq=" + built.any,
                  "terms=" + memory::TextArrayLiteral(built.terms),
                  "fuzzy=" + memory::TextArrayLiteral(built.fuzzy),
                  "notags={}",
                  "limit=" + std::to_string(workload.search_limit + 1),
                  "offset=0",
                  "stok=" + fixture.server_token(),
                  "shash=" + fixture.session_hash(),
                  "ttl=" + std::to_string(fixture.config().http.session_ttl.count()),
                  std::string("checktoken=") + (fixture.bearer().empty() ? "f" : "t")};
    if (!fixture.bearer_hash().empty()) variables_.push_back("bhash=" + fixture.bearer_hash());
    for (std::size_t p = 0; p < workload.projects.size(); ++p) {
        variables_.push_back("tok" + std::to_string(p + 1) + "=" + fixture.project_tokens()[p]);
    }

    for (const PgbenchScript kind : {PgbenchScript::kToolSql, PgbenchScript::kWithSessionCheck}) {
        const bool check = kind == PgbenchScript::kWithSessionCheck;
        for (std::size_t o = 0; o < kOps; ++o) {
            const auto op = static_cast<Op>(o);
            const int weight = workload.mix[o];
            if (weight == 0) continue;
            for (std::size_t p = 0; p < workload.projects.size(); ++p) {
                const std::string token = "tok" + std::to_string(p + 1);
                std::string text;
                if (op == Op::kLock) {
                    text = "\\set t random(0, " + std::to_string(workload.lock_topics - 1) + ")\n";
                } else if (op == Op::kRecall) {
                    text =
                        "\\set r random(0, " + std::to_string(workload.recall_topics - 1) + ")\n";
                }
                if (check) text += session_check;
                text += Pipeline(token, op == Op::kLock     ? lock
                                        : op == Op::kRecall ? recall
                                                            : search);
                const fs::path path =
                    directory_ / ((check ? "checked-" : "tool-") + std::string(kOpNames[o]) + "-" +
                                  workload.projects[p] + ".sql");
                std::ofstream(path) << text;
                scripts_[static_cast<std::size_t>(kind)].push_back({path.string(), op, weight});
            }
        }
    }
}

std::vector<std::string> Pgbench::ScriptPaths(PgbenchScript script) const {
    std::vector<std::string> paths;
    for (const ScriptFile& file : scripts_[static_cast<std::size_t>(script)]) {
        paths.push_back(file.path);
    }
    return paths;
}

std::vector<std::string> Pgbench::Arguments(PgbenchScript script, int clients, int threads,
                                            int seconds, const std::string& log_prefix) const {
    std::vector<std::string> args = {binary_, "-n",
                                     "-M",    protocol_,
                                     "-c",    std::to_string(clients),
                                     "-j",    std::to_string(std::min(clients, threads)),
                                     "-T",    std::to_string(seconds)};
    if (!log_prefix.empty()) {
        args.emplace_back("--log");
        args.emplace_back("--log-prefix=" + log_prefix);
    }
    for (const std::string& variable : variables_) {
        args.emplace_back("-D");
        args.emplace_back(variable);
    }
    for (const ScriptFile& file : scripts_[static_cast<std::size_t>(script)]) {
        args.emplace_back("-f");
        args.emplace_back(file.path + "@" + std::to_string(file.weight));
    }
    args.emplace_back(conninfo_);
    return args;
}

std::string Pgbench::CommandLine(PgbenchScript script, int threads, int seconds) const {
    std::string line = "pgbench -n -M " + protocol_ + " -c N -j min(N, " + std::to_string(threads) +
                       ") -T " + std::to_string(seconds) + " --log -D ... (" +
                       std::to_string(variables_.size()) + " variables)";
    std::map<Op, std::pair<int, int>> per_op;  // files, weight
    for (const ScriptFile& file : scripts_[static_cast<std::size_t>(script)]) {
        auto& entry = per_op[file.op];
        ++entry.first;
        entry.second = file.weight;
    }
    for (const auto& [op, entry] : per_op) {
        line += " " + std::to_string(entry.first) + " x -f " +
                (script == PgbenchScript::kToolSql ? "tool-" : "checked-") +
                kOpNames[static_cast<std::size_t>(op)] + "-PROJECT.sql@" +
                std::to_string(entry.second);
    }
    return line + " CONNINFO";
}

std::string Pgbench::Version() const {
    auto ran = embedded::RunProcess({binary_, "--version"}, environment_, embedded::OsUser{},
                                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
    if (!ran.ok() || ran->exit_code != 0) return "?";
    std::string version = ran->output;
    while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
        version.pop_back();
    }
    return version;
}

PgbenchResult Pgbench::Run(PgbenchScript script, int clients, int threads, int seconds) {
    const std::string name = "pgbench-log-" + std::to_string(++runs_);
    const std::string prefix = (directory_ / name).string();
    rusage before{};
    getrusage(RUSAGE_CHILDREN, &before);
    auto ran = embedded::RunProcess(
        Arguments(script, clients, threads, seconds, prefix), environment_, embedded::OsUser{},
        std::chrono::steady_clock::now() + std::chrono::seconds(seconds + 120));
    rusage after{};
    getrusage(RUSAGE_CHILDREN, &after);
    if (Interrupted()) Fail("interrupted");
    if (!ran.ok()) Fail("pgbench: " + ran.error().message());
    PgbenchResult result;
    result.output = ran->output;
    result.client_cpu_s = CpuSeconds(after) - CpuSeconds(before);
    result.tps = NumberAfter(result.output, "tps = ");
    result.transactions = static_cast<std::int64_t>(
        NumberAfter(result.output, "number of transactions actually processed: "));
    result.failed =
        static_cast<std::int64_t>(NumberAfter(result.output, "number of failed transactions: "));
    result.latency_average_ms = NumberAfter(result.output, "latency average = ");
    if (ran->exit_code != 0 || result.tps < 0 || result.transactions <= 0 || result.failed > 0) {
        Fail("pgbench failed (exit " + std::to_string(ran->exit_code) + "):\n" +
             embedded::LastLines(result.output, 30));
    }

    // --log: one file per pgbench thread, `<prefix>.<pid>[.<thread>]`; a line per transaction:
    // client_id transaction_no time_us script_no time_epoch time_us_fraction.
    const auto& files = scripts_[static_cast<std::size_t>(script)];
    std::vector<fs::path> logs;
    for (const auto& entry : fs::directory_iterator(directory_)) {
        if (entry.path().filename().string().starts_with(name + ".")) logs.push_back(entry.path());
    }
    for (const fs::path& log : logs) {
        std::ifstream in(log);
        long long client = 0;
        long long number = 0;
        long long micros = 0;
        std::size_t script_number = 0;
        long long epoch = 0;
        long long fraction = 0;
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            if (!(fields >> client >> number >> micros >> script_number >> epoch >> fraction) ||
                script_number >= files.size()) {
                Fail("unexpected pgbench log line in " + log.string() + ": " + line);
            }
            result.latencies_ns.push_back(micros * 1000);
            result.op_latencies_ns[static_cast<std::size_t>(files[script_number].op)].push_back(
                micros * 1000);
        }
        fs::remove(log);
    }
    if (static_cast<std::int64_t>(result.latencies_ns.size()) != result.transactions) {
        Fail("pgbench logged " + std::to_string(result.latencies_ns.size()) +
             " transactions but reported " + std::to_string(result.transactions));
    }
    std::sort(result.latencies_ns.begin(), result.latencies_ns.end());
    for (auto& samples : result.op_latencies_ns) std::sort(samples.begin(), samples.end());
    return result;
}

}  // namespace mnemo::bench

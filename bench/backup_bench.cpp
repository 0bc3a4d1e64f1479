// SPDX-License-Identifier: MIT
// mnemo_backup_bench: `mnemo export` and `mnemo import` of N contexts (rows per second and the
// process's peak RSS) beside PostgreSQL's COPY of the same rows through psql, in one run.
//
// On --dsn (allowed to create roles and databases) it creates a plain LOGIN role owning two
// databases, bulk-loads N contexts (two thirds live, one third with an archived older version)
// and a few handovers into project "bench" of the first, then times, each as a child process
// whose peak RSS wait4(2) reports:
//   export   mnemo export --project bench (JSON Lines)  vs  psql \copy (SELECT ...) TO file
//   import   mnemo import into the empty second database vs  psql \copy FROM the COPY file into
//            a table LIKE mnemo.contexts (same generated search document, same indexes)
// and checks that the import holds every row. Everything is dropped at the end.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <libpq-fe.h>

namespace {

using Clock = std::chrono::steady_clock;

/// Drops what the run created; set once it exists, run by Fail too.
std::function<void()> g_cleanup;

[[noreturn]] void Fail(const std::string& what) {
    std::fprintf(stderr, "mnemo_backup_bench: %s\n", what.c_str());
    if (auto cleanup = std::exchange(g_cleanup, nullptr)) cleanup();
    std::exit(1);
}

struct Options {
    std::string dsn;
    std::string mnemo = MNEMO_BENCH_MNEMO_BINARY;
    std::string psql = "psql";
    long contexts = 1000000;
    bool quick = false;
    std::string dir = "/tmp";
};

/// One statement on `dsn`; the first value of the first row ("" if none).
std::string Sql(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    if (PQstatus(conn) != CONNECTION_OK) Fail(PQerrorMessage(conn));
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    std::string value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
    const std::string error = PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        Fail(sql.substr(0, 200) + ": " + error);
    }
    return value;
}

/// `dsn` (URL or keyword form) for another database, as `user` (with `password`), or as
/// --dsn's own user when `user` is "".
std::string Dsn(const std::string& dsn, const std::string& database, const std::string& user = "",
                const std::string& password = "") {
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), nullptr);
    if (options == nullptr) Fail("cannot parse --dsn");
    std::string out;
    for (auto* o = options; o->keyword != nullptr; ++o) {
        const std::string keyword = o->keyword;
        if (o->val == nullptr || keyword == "dbname") continue;
        if (!user.empty() && (keyword == "user" || keyword == "password")) continue;
        out += keyword + "='" + o->val + "' ";
    }
    PQconninfoFree(options);
    out += "dbname='" + database + "'";
    if (!user.empty()) out += " user='" + user + "' password='" + password + "'";
    return out;
}

/// Where the children's stderr goes (shown when one fails).
const std::string& ErrorLog() {
    static const std::string path = "/tmp/backup_bench_" + std::to_string(::getpid()) + ".err";
    return path;
}

struct Run {
    double seconds = 0;
    long peak_rss_kib = 0;
};

/// Runs `argv` (stdout to `out`, "" = /dev/null; stderr to /dev/null unless it fails) and
/// reports its wall time and peak RSS.
Run Child(const std::vector<std::string>& argv, const std::string& out = "") {
    const auto began = Clock::now();
    const std::string& error_log = ErrorLog();  // named by this process, not the child
    const pid_t pid = fork();
    if (pid < 0) Fail("fork failed");
    if (pid == 0) {
        const std::string target = out.empty() ? "/dev/null" : out;
        if (!freopen(target.c_str(), "w", stdout)) _exit(126);
        if (!freopen(error_log.c_str(), "w", stderr)) _exit(126);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid) Fail("wait4 failed");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string command;
        for (const auto& a : argv) command += a + " ";
        std::string tail;
        if (FILE* log = std::fopen(error_log.c_str(), "r")) {
            char buffer[4096];
            tail.assign(buffer, std::fread(buffer, 1, sizeof buffer, log));
            std::fclose(log);
        }
        Fail("failed (status " + std::to_string(status) + "): " + command + "\n" + tail);
    }
    return {std::chrono::duration<double>(Clock::now() - began).count(), usage.ru_maxrss};
}

/// Loads `count` contexts into project `pid` of `dsn` (as the owning role, in chunks): topic
/// notes/item-i, 40 words; every third topic also has an archived older version.
void Load(const std::string& dsn, const std::string& pid, long count) {
    // Topics 1..n hold n + n/3 versions: n = 3/4 of the count.
    const long topics = std::max(1L, count * 3 / 4);
    for (long from = 1; from <= topics; from += 10000) {
        const long last = std::min(topics, from + 9999);
        const std::string rows =
            "SELECT " + pid +
            "::bigint AS project_id, 'notes/item-' || i AS topic, v, "
            "'Note ' || i || ' v' || v || ': ' || (SELECT string_agg('w' || ((i::bigint * 7919 + k "
            "* "
            "104729) % 2000)::text, ' ') FROM generate_series(1, 40) k) AS content, "
            "CASE WHEN v = 1 AND i % 3 = 0 THEN now() END AS archived_at "
            "FROM generate_series(" +
            std::to_string(from) + ", " + std::to_string(last) +
            ") i, LATERAL generate_series(1, CASE WHEN i % 3 = 0 THEN 2 ELSE 1 END) v";
        Sql(dsn,
            "WITH r AS MATERIALIZED (" + rows +
                "), t AS (INSERT INTO mnemo.topics (project_id, topic, last_version, "
                "latest_version, latest_priority, latest_at) SELECT project_id, topic, max(v), "
                "max(v), 'reference', now() FROM r GROUP BY project_id, topic) "
                "INSERT INTO mnemo.contexts (project_id, topic, version, content, preview, "
                "priority, tags, content_hash, size_bytes, archived_at, archive_reason) "
                "SELECT project_id, topic, v, content, left(content, 500), 'reference', "
                "'{bench}', encode(sha256(convert_to(content, 'UTF8')), 'hex'), "
                "octet_length(content), archived_at, CASE WHEN archived_at IS NOT NULL THEN "
                "'unlock_context' END FROM r");
    }
    Sql(dsn, "INSERT INTO mnemo.handovers (project_id, summary, completed, pending) SELECT " + pid +
                 ", 'session ' || i, '[\"a\"]', '[]' FROM generate_series(1, 100) i");
}

std::string Rate(double rows, double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", rows / seconds);
    return text;
}

int Main(const Options& options) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const std::string role = "backup_bench_" + std::to_string(::getpid());
    const std::string source_db = role + "_src", target_db = role + "_dst";
    Sql(options.dsn, "CREATE ROLE " + role + " LOGIN PASSWORD 'bench'");
    Sql(options.dsn, "CREATE DATABASE " + source_db + " OWNER " + role);
    Sql(options.dsn, "CREATE DATABASE " + target_db + " OWNER " + role);
    // mnemo works as the plain role; the bench reads and loads as --dsn's user, because the
    // projects table keeps FORCE row-level security.
    const std::string source = Dsn(options.dsn, source_db, role, "bench");
    const std::string target = Dsn(options.dsn, target_db, role, "bench");
    const std::string admin_source = Dsn(options.dsn, source_db);
    const std::string admin_target = Dsn(options.dsn, target_db);
    const std::string export_file = options.dir + "/" + role + ".jsonl";
    const std::string copy_file = options.dir + "/" + role + ".copy";
    const std::string empty_dir = options.dir + "/" + role + ".d";
    setenv("MNEMO_SECRET", "backup-bench-secret-0123456789abcdef", 1);
    setenv("MNEMO_LOG_LEVEL", "error", 1);

    g_cleanup = [&] {
        std::remove(export_file.c_str());
        std::remove(copy_file.c_str());
        std::remove(ErrorLog().c_str());
        rmdir(empty_dir.c_str());
        Sql(options.dsn, "DROP DATABASE IF EXISTS " + source_db + " WITH (FORCE)");
        Sql(options.dsn, "DROP DATABASE IF EXISTS " + target_db + " WITH (FORCE)");
        Sql(options.dsn, "DROP ROLE IF EXISTS " + role);
    };

    // Schema and project through mnemo itself (an empty Markdown folder creates the project),
    // then the rows in bulk.
    Child({options.mnemo, "migrate", "--database-url", source});
    Child({options.mnemo, "migrate", "--database-url", target});
    mkdir(empty_dir.c_str(), 0700);
    Child({options.mnemo, "import", empty_dir, "--project", "bench", "--database-url", source});
    const std::string pid =
        Sql(admin_source, "SELECT project_id FROM mnemo.projects WHERE name = 'bench'");
    const auto load_began = Clock::now();
    Load(admin_source, pid, options.contexts);
    Sql(admin_source, "VACUUM ANALYZE mnemo.contexts");
    const long rows = std::stol(Sql(admin_source, "SELECT count(*) FROM mnemo.contexts"));
    std::printf("mnemo_backup_bench: %ld context versions (+100 handovers) loaded in %.1f s\n",
                rows, std::chrono::duration<double>(Clock::now() - load_began).count());

    const Run mnemo_export = Child({options.mnemo, "export", "--project", "bench", "--output",
                                    export_file, "--database-url", source});
    const std::string columns =
        "project_id, topic, version, content, preview, priority, tags, content_hash, size_bytes, "
        "created_at, archived_at, archive_reason";
    const Run copy_export =
        Child({options.psql, "-X", "-q", "-d", admin_source, "-c",
               "\\copy (SELECT " + columns + " FROM mnemo.contexts WHERE project_id = " + pid +
                   " ORDER BY topic, version) TO '" + copy_file + "'"});
    struct stat export_stat {
    }, copy_stat{};
    stat(export_file.c_str(), &export_stat);
    stat(copy_file.c_str(), &copy_stat);

    const Run mnemo_import =
        Child({options.mnemo, "import", export_file, "--database-url", target});
    const Run reimport = Child({options.mnemo, "import", export_file, "--database-url", target});
    Sql(admin_target,
        "CREATE TABLE public.copy_baseline (LIKE mnemo.contexts INCLUDING DEFAULTS "
        "INCLUDING GENERATED INCLUDING INDEXES)");
    const Run copy_import =
        Child({options.psql, "-X", "-q", "-d", admin_target, "-c",
               "\\copy public.copy_baseline (" + columns + ") FROM '" + copy_file + "'"});
    const long imported = std::stol(Sql(admin_target, "SELECT count(*) FROM mnemo.contexts"));
    const long baseline = std::stol(Sql(admin_target, "SELECT count(*) FROM public.copy_baseline"));
    if (imported != rows || baseline != rows) {
        Fail("imported " + std::to_string(imported) + " and copied " + std::to_string(baseline) +
             " of " + std::to_string(rows) + " rows");
    }

    const double n = static_cast<double>(rows);
    auto line = [&](const char* what, const Run& run, double bytes, double baseline_seconds) {
        std::printf("  %-34s %9.1f s %9s rows/s %7.1f MiB peak RSS %8.1f MiB file  %5.2fx COPY\n",
                    what, run.seconds, Rate(n, run.seconds).c_str(),
                    static_cast<double>(run.peak_rss_kib) / 1024.0, bytes / 1048576.0,
                    baseline_seconds > 0 ? run.seconds / baseline_seconds : 1.0);
    };
    std::printf("  %-34s %11s %16s %20s %13s\n", "", "time", "rate", "memory", "size");
    line("export: mnemo export (JSON Lines)", mnemo_export,
         static_cast<double>(export_stat.st_size), copy_export.seconds);
    line("export: psql \\copy TO (baseline)", copy_export, static_cast<double>(copy_stat.st_size),
         0);
    line("import: mnemo import (empty db)", mnemo_import, 0, copy_import.seconds);
    line("import: psql \\copy FROM (baseline)", copy_import, 0, 0);
    line("import again: all unchanged", reimport, 0, copy_import.seconds);
    std::exchange(g_cleanup, nullptr)();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("mnemo_backup_bench: mnemo export/import vs COPY (rows/s, peak RSS)");
    Options options;
    app.add_option("--dsn", options.dsn,
                   "PostgreSQL that may create roles and databases (default $MNEMO_TEST_DSN)");
    app.add_option("--mnemo", options.mnemo, "The mnemo binary (default: this build's)");
    app.add_option("--psql", options.psql, "psql (default: from PATH)");
    app.add_option("--contexts", options.contexts, "Context versions to load (default 1000000)");
    app.add_flag("--quick", options.quick, "A smoke run: 20 000 contexts");
    app.add_option("--dir", options.dir, "Where the export files go (default /tmp)");
    CLI11_PARSE(app, argc, argv);
    if (options.dsn.empty()) {
        const char* env = std::getenv("MNEMO_TEST_DSN");
        if (env == nullptr) {
            std::fprintf(stderr, "mnemo_backup_bench: no --dsn and no MNEMO_TEST_DSN: skipped\n");
            return 77;
        }
        options.dsn = env;
    }
    if (options.quick) options.contexts = 20000;
    return Main(options);
}

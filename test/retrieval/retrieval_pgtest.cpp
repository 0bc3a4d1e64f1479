// SPDX-License-Identifier: MIT
// Retrieval quality of search_contexts on the test set of corpus.hpp: recall@5 and MRR@10,
// printed next to two baselines — mnemo's search before 005 (its statement, run on the same
// contexts) and a plain substring (what @modelcontextprotocol/server-memory does: the whole
// query as a case-insensitive substring of topic + content, hits in insertion order) — with
// floors a little below the measured values.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "corpus.hpp"
#include "pg_test_support.hpp"
#include "server_pg_support.hpp"

namespace mnemo {
namespace {

using memory::Json;

constexpr int kFillers = 1100;
// Measured when the set was written; see docs/server.md ("Search quality").
constexpr double kRecallFloor = 0.94;  // measured 0.966
constexpr double kMrrFloor = 0.93;     // measured 0.958

struct Stored {
    std::string topic;
    std::string text;  // topic + " " + content, lower-cased (the baseline's haystack)
};

/// Deterministic pseudo-random numbers (a 64-bit LCG), so every run loads the same memory.
class Lcg {
public:
    std::uint32_t Next() {
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::uint32_t>(state_ >> 33);
    }

private:
    std::uint64_t state_ = 42;
};

std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The documents of mnemo before 005 (English stemming, topic separators as spaces), built
/// once from the project's live contexts into a temporary table of the admin session.
std::string OldDocumentsSql(const std::string& project) {
    return R"sql(
CREATE TEMP TABLE old_docs AS
SELECT c.topic, c.created_at,
       setweight(to_tsvector('english', translate(c.topic, '/._-', '    ')), 'A') ||
       setweight(to_tsvector('english', array_to_string(c.tags, ' ')), 'B') ||
       setweight(to_tsvector('english', left(c.content, 100000)), 'C') AS search
FROM mnemo.contexts c JOIN mnemo.projects p ON p.project_id = c.project_id
WHERE p.name = ')sql" +
           project + "' AND c.archived_at IS NULL AND NOT c.superseded";
}

/// search_contexts before 005 (git history: server/src/memory/context_sql.hpp), on old_docs:
/// the query in websearch syntax over English stems, or the whole query as a substring of the
/// topic; ranked by ts_rank_cd plus 1 for a topic match, newest first. $1 the query; the
/// first ten topics, one a line.
constexpr const char* kOldSearchSql = R"sql(
WITH q AS (SELECT websearch_to_tsquery('english', $1) AS tsq,
                  '%' || replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                      AS pattern),
hits AS (
    SELECT d.topic, d.created_at,
           ts_rank_cd(d.search, q.tsq) + CASE WHEN d.topic ILIKE q.pattern THEN 1 ELSE 0 END
               AS score
    FROM old_docs d, q
    WHERE d.search @@ q.tsq OR d.topic ILIKE q.pattern
    ORDER BY score DESC, d.created_at DESC, d.topic
    LIMIT 10)
SELECT coalesce(string_agg(topic, E'\n' ORDER BY score DESC, created_at DESC, topic), '')
FROM hits)sql";

/// 1-based rank of `topic` among the lines of `listing` (0 = absent).
int RankIn(const std::string& listing, const std::string& topic) {
    int rank = 0;
    std::size_t at = 0;
    while (at < listing.size()) {
        const std::size_t end = std::min(listing.find('\n', at), listing.size());
        ++rank;
        if (listing.compare(at, end - at, topic) == 0) return rank;
        at = end + 1;
    }
    return 0;
}

struct Scores {
    int found_at_5 = 0;
    double reciprocal = 0;
    int queries = 0;
    void Add(int rank) {  // 1-based; 0 = not in the first ten
        ++queries;
        if (rank >= 1 && rank <= 5) ++found_at_5;
        if (rank >= 1) reciprocal += 1.0 / rank;
    }
    [[nodiscard]] double Recall() const { return queries ? double(found_at_5) / queries : 0; }
    [[nodiscard]] double Mrr() const { return queries ? reciprocal / queries : 0; }
};

TEST(RetrievalTest, RecallAndMrrOnTheTestSet) {
    auto db = testing::TestDatabase::Shared().Open(4);
    const std::string project = testing::UniqueProject("retrieval");
    ASSERT_TRUE(db.store->CreateProject(project, "retrieval test set").ok());

    const auto started = std::chrono::steady_clock::now();
    // Fillers and targets interleaved, so that insertion order favours neither.
    const auto& targets = retrieval::Targets();
    const auto& words = retrieval::FillerWords();
    const char* priorities[] = {"reference", "reference", "important", "always_check"};
    Lcg random;
    std::vector<Stored> stored;
    const int every = kFillers / static_cast<int>(targets.size());
    std::size_t next_target = 0;
    for (int i = 0; i < kFillers; ++i) {
        std::string content;
        const int length = 12 + static_cast<int>(random.Next() % 20);
        for (int w = 0; w < length; ++w) {
            if (w > 0) content += ' ';
            content += words[random.Next() % words.size()];
        }
        content += '.';
        const std::string topic =
            std::string("misc/") + words[random.Next() % words.size()] + "-" + std::to_string(i);
        auto locked =
            db.store->LockContext(project, {topic, content, {}, priorities[random.Next() % 4]});
        ASSERT_TRUE(locked.ok()) << locked.error().message();
        stored.push_back({topic, Lower(topic + " " + content)});
        if (i % every == every - 1 && next_target < targets.size()) {
            const auto& t = targets[next_target++];
            auto added = db.store->LockContext(project, {t.topic, t.content, {}, t.priority});
            ASSERT_TRUE(added.ok()) << added.error().message();
            stored.push_back({t.topic, Lower(std::string(t.topic) + " " + t.content)});
        }
    }
    for (; next_target < targets.size(); ++next_target) {
        const auto& t = targets[next_target];
        ASSERT_TRUE(db.store->LockContext(project, {t.topic, t.content, {}, t.priority}).ok());
        stored.push_back({t.topic, Lower(std::string(t.topic) + " " + t.content)});
    }

    const auto loaded = std::chrono::steady_clock::now();
    std::printf("loaded %zu contexts in %.1f s\n", stored.size(),
                std::chrono::duration<double>(loaded - started).count());
    pqpool::testing::AdminConnection admin(testing::TestDatabase::Shared().admin_dsn());
    ASSERT_EQ(admin.Scalar(OldDocumentsSql(project)), "");
    Scores mnemo;
    Scores before;
    Scores substring;
    std::vector<std::pair<double, std::string>> slowest;
    std::string misses;
    for (const auto& target : targets) {
        for (const char* query : target.queries) {
            memory::SearchRequest request;
            request.query = query;
            request.limit = 10;
            const auto began = std::chrono::steady_clock::now();
            auto hits = db.store->SearchContexts(project, request);
            slowest.emplace_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began)
                    .count(),
                query);
            ASSERT_TRUE(hits.ok()) << query << ": " << hits.error().message();
            int rank = 0;
            for (std::size_t i = 0; i < hits->size() && i < 10; ++i) {
                if ((*hits)[i]["topic"] == target.topic) {
                    rank = static_cast<int>(i) + 1;
                    break;
                }
            }
            mnemo.Add(rank);
            if (rank == 0 || rank > 5) {
                misses += std::string("  ") + query + " -> " + target.topic + " (rank " +
                          std::to_string(rank) + ")\n";
            }

            before.Add(RankIn(admin.Scalar(kOldSearchSql, query), target.topic));

            const std::string needle = Lower(query);
            int base_rank = 0;
            int position = 0;
            for (const auto& s : stored) {
                if (s.text.find(needle) == std::string::npos) continue;
                ++position;
                if (s.topic == target.topic) {
                    base_rank = position <= 10 ? position : 0;
                    break;
                }
                if (position >= 10) break;
            }
            substring.Add(base_rank);
        }
    }

    std::printf("%d searches in %.1f s\n", mnemo.queries,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - loaded).count());
    std::printf("retrieval test set: %zu contexts (%zu targets), %d queries\n", stored.size(),
                targets.size(), mnemo.queries);
    std::printf("  %-28s recall@5 %.3f  MRR@10 %.3f\n", "mnemo search_contexts", mnemo.Recall(),
                mnemo.Mrr());
    std::printf("  %-28s recall@5 %.3f  MRR@10 %.3f\n", "mnemo before 005", before.Recall(),
                before.Mrr());
    std::printf("  %-28s recall@5 %.3f  MRR@10 %.3f\n", "substring baseline", substring.Recall(),
                substring.Mrr());
    std::sort(slowest.rbegin(), slowest.rend());
    std::printf("slowest searches:");
    for (std::size_t i = 0; i < slowest.size() && i < 5; ++i) {
        std::printf(" %s (%.1f ms)", slowest[i].second.c_str(), slowest[i].first);
    }
    std::printf("\n");
    std::printf("misses (not in the first five):\n%s", misses.c_str());
    std::fflush(stdout);

    EXPECT_GE(mnemo.queries, 150);
    // Floors a little below the values measured when the set was written (docs/server.md).
    EXPECT_GE(mnemo.Recall(), kRecallFloor);
    EXPECT_GE(mnemo.Mrr(), kMrrFloor);
}

}  // namespace
}  // namespace mnemo

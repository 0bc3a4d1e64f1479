// SPDX-License-Identifier: MIT
// Retrieval quality of search_contexts on the test set of corpus.hpp: recall@5 and MRR@10,
// printed next to a plain substring baseline (what @modelcontextprotocol/server-memory does:
// the whole query as a case-insensitive substring of topic + content, hits in insertion
// order), with floors a little below the measured values.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "corpus.hpp"
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
    Scores mnemo;
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

// SPDX-License-Identifier: MIT
// Turns what a person or an assistant types into the text-search queries of mnemo's search.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo::memory {

/// The queries behind one search, as tsquery texts over the documents of sql/005_search.sql
/// ('simple' lexemes: unaccented, lower-cased, identifiers split and joined). PostgreSQL folds
/// accents of the texts (mnemo.fold) before casting them. Empty strings mean "none".
///
/// Syntax (websearch's): words are ANDed; `"a phrase"` matches the words in order; `-word`
/// (or `-"phrase"`) excludes; `or` between two items makes either enough. Each word matches
/// itself and, from three letters, every word it starts (`postgre` → postgresql), after a
/// light stemming (`migrations` → `migr…`, `handles` → `handl…`). A compound
/// (`pull-request`, `pool_config.cpp`, `acquireTimeoutMs`) matches its parts in order or its
/// joined form (`pullrequest`). English stop words are ignored outside phrases.
struct SearchQuery {
    /// Every item (websearch semantics): the exact tier.
    std::string strict;
    /// Any positive item, minus the excluded ones: the partial tier ("not every word").
    std::string any;
    /// Each positive item alone (for counting how many, and how rare, match).
    std::vector<std::string> terms;
    /// Words of five letters or more, for typo matching (pg_trgm word similarity).
    std::vector<std::string> fuzzy;

    [[nodiscard]] bool Empty() const { return strict.empty(); }
};

/// At most this many items (words, compounds, phrases) of a query are used; the rest is
/// ignored, so a 10 000-character query costs what a long sentence does.
inline constexpr std::size_t kMaxSearchItems = 24;

/// Builds the queries for `text`. Never fails: a text with nothing searchable (only stop
/// words or punctuation) gives an empty query, which matches nothing.
/// With `plain_words` (check_contexts: the text is a command or a message, not a query),
/// quotes, `-` and `or` are ordinary characters.
[[nodiscard]] SearchQuery BuildSearchQuery(std::string_view text, bool plain_words = false);

/// The parts of one token as the documents split it (lower-cased ASCII; other letters kept).
[[nodiscard]] std::vector<std::string> SplitIdentifier(std::string_view token);

/// The light stem used for prefix matching ("migrations" → "migr", "handles" → "handl").
[[nodiscard]] std::string LightStem(const std::string& word);

/// True for PostgreSQL's English stop words.
[[nodiscard]] bool IsStopWord(std::string_view word);

/// Joins `terms` with " | " into one tsquery text ("" when empty).
[[nodiscard]] std::string AnyOf(const std::vector<std::string>& terms);

}  // namespace mnemo::memory

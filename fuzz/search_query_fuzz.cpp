// SPDX-License-Identifier: MIT
// libFuzzer target: search queries (memory/search_query.hpp) — any text, in websearch and in
// plain-words mode, gives tsquery texts whose lexemes hold no quote or backslash (they are cast
// to tsquery by PostgreSQL), at most kMaxSearchItems items, and "strict" empty exactly when
// nothing is searchable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "memory/search_query.hpp"

namespace {

/// Every quote in a tsquery text must open or close a lexeme the builder quoted itself.
bool LexemesAreClean(std::string_view text) {
    bool inside = false;
    for (const char c : text) {
        if (c == '\\') return false;
        if (c == '\'') inside = !inside;
    }
    return !inside;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mnemo::memory;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const bool plain : {false, true}) {
        const SearchQuery query = BuildSearchQuery(input, plain);
        if (!LexemesAreClean(query.strict) || !LexemesAreClean(query.any)) std::abort();
        if (query.terms.size() > kMaxSearchItems) std::abort();
        if (query.strict.empty() != query.terms.empty()) std::abort();
        for (const auto& term : query.terms) {
            if (!LexemesAreClean(term)) std::abort();
        }
        for (const auto& word : query.fuzzy) {
            if (word.find_first_of("'\\") != std::string::npos) std::abort();
        }
    }
    return 0;
}

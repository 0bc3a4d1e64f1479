// SPDX-License-Identifier: MIT
// Search queries: tokens, compounds, stop words, light stemming → tsquery texts.
#include "memory/search_query.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace mnemo::memory {
namespace {

// PostgreSQL's tsearch_data/english.stop.
constexpr std::array<std::string_view, 127> kStopWords = {
    "i",       "me",      "my",      "myself",   "we",         "our",    "ours",    "ourselves",
    "you",     "your",    "yours",   "yourself", "yourselves", "he",     "him",     "his",
    "himself", "she",     "her",     "hers",     "herself",    "it",     "its",     "itself",
    "they",    "them",    "their",   "theirs",   "themselves", "what",   "which",   "who",
    "whom",    "this",    "that",    "these",    "those",      "am",     "is",      "are",
    "was",     "were",    "be",      "been",     "being",      "have",   "has",     "had",
    "having",  "do",      "does",    "did",      "doing",      "a",      "an",      "the",
    "and",     "but",     "if",      "or",       "because",    "as",     "until",   "while",
    "of",      "at",      "by",      "for",      "with",       "about",  "against", "between",
    "into",    "through", "during",  "before",   "after",      "above",  "below",   "to",
    "from",    "up",      "down",    "in",       "out",        "on",     "off",     "over",
    "under",   "again",   "further", "then",     "once",       "here",   "there",   "when",
    "where",   "why",     "how",     "all",      "any",        "both",   "each",    "few",
    "more",    "most",    "other",   "some",     "such",       "no",     "nor",     "not",
    "only",    "own",     "same",    "so",       "than",       "too",    "very",    "s",
    "t",       "can",     "will",    "just",     "don",        "should", "now"};

bool IsAsciiAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// Length of the UTF-8 sequence at `s[i]` and its code point (invalid bytes: one byte, 0xFFFD).
std::size_t DecodeAt(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80           ? 1
                      : (b >> 5) == 0x6  ? 2
                      : (b >> 4) == 0xE  ? 3
                      : (b >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) {
        cp = 0xFFFD;
        return 1;
    }
    cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (std::size_t k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if ((c >> 6) != 0x2) {
            cp = 0xFFFD;
            return 1;
        }
        cp = (cp << 6) | (c & 0x3Fu);
    }
    return len;
}

/// Letters outside ASCII are word characters; punctuation, symbols and modifier marks are
/// separators (unaccent maps some of them to quotes or backslashes, which must never reach a
/// tsquery lexeme).
bool IsWordCodePoint(std::uint32_t cp) {
    if (cp < 0x80) return IsAsciiAlnum(static_cast<char>(cp));
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cp == 0x149 || cp == 0xFFFD) return false;
    if (cp >= 0x2B0 && cp <= 0x2FF) return false;
    if (cp >= 0x2000 && cp <= 0x2BFF) return false;
    if (cp >= 0x3000 && cp <= 0x303F) return false;
    if (cp >= 0xFE00 && cp <= 0xFFEF) return false;
    return true;
}

/// `'word'` for a tsquery (words never hold quotes or backslashes: see IsWordCodePoint).
std::string Lexeme(const std::string& word, bool prefix) {
    return "'" + word + "'" + (prefix ? ":*" : "");
}

bool IsDigits(const std::string& w) {
    return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A single word as a query term: its light stem as a prefix (from three letters), else the
/// word itself. "" for stop words and lone letters.
std::string WordTerm(const std::string& word) {
    if (IsStopWord(word)) return {};
    if (word.size() < 2 && !IsDigits(word)) return {};
    if (word.size() < 3 || IsDigits(word)) return Lexeme(word, false);
    return Lexeme(LightStem(word), true);
}

/// Parts in order (`a <-> b <-> c:*`) or the joined form as a prefix.
std::string CompoundTerm(const std::vector<std::string>& parts) {
    std::string phrase;
    std::string joined;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) phrase += " <-> ";
        const bool last = i + 1 == parts.size();
        phrase += Lexeme(last && parts[i].size() >= 3 ? LightStem(parts[i]) : parts[i],
                         last && parts[i].size() >= 3);
        joined += parts[i];
    }
    return "(" + phrase + " | " + Lexeme(LightStem(joined), true) + ")";
}

/// A quoted phrase: its words in order, stop words kept (the documents keep them).
std::string PhraseTerm(const std::vector<std::string>& parts) {
    if (parts.empty()) return {};
    if (parts.size() == 1) return WordTerm(parts[0]);
    std::string phrase;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) phrase += " <-> ";
        phrase += Lexeme(parts[i], false);
    }
    return "(" + phrase + ")";
}

/// Longer words are no search terms (tsquery refuses lexemes past 2 KiB; documents keep
/// nothing that long either).
constexpr std::size_t kMaxWordBytes = 100;

/// SplitIdentifier without words too long to search.
std::vector<std::string> SearchableParts(std::string_view token) {
    auto parts = SplitIdentifier(token);
    std::erase_if(parts, [](const std::string& p) { return p.size() > kMaxWordBytes; });
    return parts;
}

struct Item {
    std::string term;
    bool negated = false;
    bool or_with_previous = false;
    std::string fuzzy;  // a single word of five letters or more
};

}  // namespace

bool IsStopWord(std::string_view word) {
    return std::find(kStopWords.begin(), kStopWords.end(), word) != kStopWords.end();
}

std::string LightStem(const std::string& word) {
    auto ends = [&](std::string_view suffix) {
        return word.size() > suffix.size() &&
               std::string_view(word).substr(word.size() - suffix.size()) == suffix;
    };
    std::string stem = word;
    if (ends("ies") && word.size() > 4) {
        stem = word.substr(0, word.size() - 3) + "y";
    } else if (ends("sses")) {
        stem = word.substr(0, word.size() - 2);
    } else if (ends("s") && !ends("ss") && !ends("us") && !ends("is") && word.size() > 3) {
        stem = word.substr(0, word.size() - 1);
    }
    auto cut = [&](std::string_view suffix, std::size_t keep) {
        if (stem.size() >= suffix.size() + keep &&
            std::string_view(stem).substr(stem.size() - suffix.size()) == suffix) {
            stem.resize(stem.size() - suffix.size());
            return true;
        }
        return false;
    };
    if (!cut("ation", 4) && !cut("ing", 4) && !cut("ed", 4)) (void)cut("ion", 5);
    if (stem.size() > 4 && stem.back() == 'e') stem.pop_back();
    return stem;
}

std::vector<std::string> SplitIdentifier(std::string_view token) {
    std::vector<std::string> parts;
    std::string current;
    auto flush = [&] {
        if (!current.empty()) parts.push_back(std::move(current));
        current.clear();
    };
    for (std::size_t i = 0; i < token.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = DecodeAt(token, i, cp);
        if (!IsWordCodePoint(cp)) {
            flush();
            i += len;
            continue;
        }
        if (len == 1) {
            const char c = token[i];
            // camelCase and ABBRWord boundaries, as mnemo.search_words splits them.
            if (IsUpper(c) && i > 0) {
                const char prev = token[i - 1];
                const bool next_lower =
                    i + 1 < token.size() && token[i + 1] >= 'a' && token[i + 1] <= 'z';
                if (IsLowerOrDigit(prev) || (IsUpper(prev) && next_lower)) flush();
            }
            current.push_back(IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c);
        } else {
            current.append(token.substr(i, len));
        }
        i += len;
    }
    flush();
    return parts;
}

std::string AnyOf(const std::vector<std::string>& terms) {
    std::string out;
    for (const auto& term : terms) {
        if (!out.empty()) out += " | ";
        out += term;
    }
    return out;
}

SearchQuery BuildSearchQuery(std::string_view text, bool plain_words) {
    std::vector<Item> items;
    bool pending_or = false;
    std::size_t i = 0;
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (i < text.size() && items.size() < kMaxSearchItems) {
        while (i < text.size() && is_space(text[i])) ++i;
        if (i >= text.size()) break;
        bool negated = false;
        if (!plain_words && text[i] == '-' && i + 1 < text.size() && !is_space(text[i + 1])) {
            negated = true;
            ++i;
        }
        Item item;
        item.negated = negated;
        if (!plain_words && text[i] == '"') {
            const std::size_t end = text.find('"', i + 1);
            const std::string_view inner = text.substr(
                i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1);
            i = end == std::string_view::npos ? text.size() : end + 1;
            item.term = PhraseTerm(SearchableParts(inner));
        } else {
            std::size_t end = i;
            while (end < text.size() && !is_space(text[end]) && (plain_words || text[end] != '"')) {
                ++end;
            }
            const std::string_view token = text.substr(i, end - i);
            i = end;
            if (!plain_words && !negated && (token == "or" || token == "OR" || token == "Or")) {
                pending_or = !items.empty();
                continue;
            }
            const auto parts = SearchableParts(token);
            if (parts.size() == 1) {
                item.term = WordTerm(parts[0]);
                if (parts[0].size() >= 5 && !item.term.empty()) item.fuzzy = parts[0];
            } else if (parts.size() > 1) {
                item.term = CompoundTerm(parts);
            }
        }
        if (item.term.empty()) continue;
        item.or_with_previous = pending_or && !item.negated;
        pending_or = false;
        items.push_back(std::move(item));
    }

    SearchQuery query;
    std::vector<std::string> negated;
    std::vector<std::string> groups;
    for (const auto& item : items) {
        if (item.negated) {
            negated.push_back(item.term);
            continue;
        }
        query.terms.push_back(item.term);
        if (!item.fuzzy.empty()) query.fuzzy.push_back(item.fuzzy);
        if (item.or_with_previous && !groups.empty()) {
            groups.back() += " | " + item.term;
        } else {
            groups.push_back(item.term);
        }
    }
    if (groups.empty()) return SearchQuery{};
    for (const auto& group : groups) {
        if (!query.strict.empty()) query.strict += " & ";
        query.strict += "(" + group + ")";
    }
    query.any = "(" + AnyOf(query.terms) + ")";
    for (const auto& term : negated) {
        query.strict += " & !" + term;
        query.any += " & !" + term;
    }
    return query;
}

}  // namespace mnemo::memory

// SPDX-License-Identifier: MIT
// Text rules the tools apply: priority inference, topic checks, topic trees, page cursors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mnemo::tools {

/// "always_check" when the text says always/never/must (as words, any case), else "important"
/// for important/critical/required, else "reference".
[[nodiscard]] std::string InferPriority(std::string_view content);

/// "" when `topic` is acceptable, else why not: it must have a non-space character, no
/// control characters, and no leading or trailing whitespace.
[[nodiscard]] std::string TopicProblem(std::string_view topic);

/// Builds a tree from topic rows ({topic, latest_version, versions, priority, guard?}),
/// splitting topics on '/' and '.'. Nodes deeper than `depth` are folded into their ancestor's
/// `more_topics` count. Each node: {name, path, topics (count below), children[], and for a
/// topic itself: version, versions, priority, and guard when it has one}.
[[nodiscard]] nlohmann::json BuildTopicTree(const nlohmann::json& rows, int depth);

/// A piece of UTF-8 `text`: at most `max_chars` code points starting at code point `offset`.
struct TextSlice {
    std::string text;
    std::size_t total_chars = 0;  // code points in the whole text
};
[[nodiscard]] TextSlice Utf8Slice(std::string_view text, std::size_t offset, std::size_t max_chars);

/// An opaque page cursor for an offset, and back; nullopt when `cursor` was not made by
/// EncodeCursor.
[[nodiscard]] std::string EncodeCursor(int offset);
[[nodiscard]] std::optional<int> DecodeCursor(std::string_view cursor);

}  // namespace mnemo::tools

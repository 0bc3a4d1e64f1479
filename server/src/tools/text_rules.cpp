// SPDX-License-Identifier: MIT
// Text rules: priority inference, topic checks, topic trees, cursors.
#include "tools/text_rules.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <map>

namespace mnemo::tools {
namespace {

using Json = nlohmann::json;

bool HasWord(std::string_view lower_text, std::string_view word) {
    auto is_word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (auto pos = lower_text.find(word); pos != std::string_view::npos;
         pos = lower_text.find(word, pos + 1)) {
        const bool starts = pos == 0 || !is_word_char(lower_text[pos - 1]);
        const auto end = pos + word.size();
        const bool ends = end == lower_text.size() || !is_word_char(lower_text[end]);
        if (starts && ends) return true;
    }
    return false;
}

bool HasAnyWord(std::string_view lower_text, std::initializer_list<std::string_view> words) {
    for (auto word : words) {
        if (HasWord(lower_text, word)) return true;
    }
    return false;
}

struct Node {
    std::string path;
    std::size_t topics = 0;
    std::size_t more_topics = 0;
    Json topic;  // set when a topic ends exactly here
    std::map<std::string, Node> children;
};

Json NodeJson(const std::string& name, const Node& node) {
    Json out = {{"name", name}, {"path", node.path}, {"topics", node.topics}};
    if (!node.topic.is_null()) {
        out["version"] = node.topic["latest_version"];
        out["versions"] = node.topic["versions"];
        out["priority"] = node.topic["priority"];
        if (const auto guard = node.topic.find("guard");
            guard != node.topic.end() && !guard->is_null()) {
            out["guard"] = *guard;
        }
    }
    if (node.more_topics > 0) out["more_topics"] = node.more_topics;
    if (!node.children.empty()) {
        Json children = Json::array();
        for (const auto& [child_name, child] : node.children) {
            children.push_back(NodeJson(child_name, child));
        }
        out["children"] = std::move(children);
    }
    return out;
}

}  // namespace

std::string InferPriority(std::string_view content) {
    std::string lower(content);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (HasAnyWord(lower, {"always", "never", "must"})) return "always_check";
    if (HasAnyWord(lower, {"important", "critical", "required"})) return "important";
    return "reference";
}

std::string TopicProblem(std::string_view topic) {
    if (topic.find_first_not_of(" \t") == std::string_view::npos) {
        return "topic must contain a non-space character";
    }
    for (char c : topic) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) return "topic must not contain control characters";
    }
    if (topic.front() == ' ' || topic.back() == ' ') {
        return "topic must not start or end with a space";
    }
    return {};
}

Json BuildTopicTree(const Json& rows, int depth) {
    Node root;
    for (const auto& row : rows) {
        const std::string topic = row.value("topic", "");
        Node* node = &root;
        ++root.topics;
        std::size_t start = 0;
        int level = 0;
        while (start <= topic.size()) {
            const auto end = topic.find_first_of("/.", start);
            const std::string part =
                topic.substr(start, end == std::string::npos ? std::string::npos : end - start);
            if (level == depth) {
                ++node->more_topics;
                break;
            }
            Node& child = node->children[part];
            child.path = end == std::string::npos ? topic : topic.substr(0, end);
            ++child.topics;
            node = &child;
            ++level;
            if (end == std::string::npos) {
                node->topic = row;
                break;
            }
            start = end + 1;
        }
    }
    Json children = Json::array();
    for (const auto& [name, child] : root.children) children.push_back(NodeJson(name, child));
    Json tree = {{"topics", root.topics}, {"children", std::move(children)}};
    if (root.more_topics > 0) tree["more_topics"] = root.more_topics;
    return tree;
}

TextSlice Utf8Slice(std::string_view text, std::size_t offset, std::size_t max_chars) {
    TextSlice slice;
    std::size_t begin = text.size();
    std::size_t end = text.size();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
        if (slice.total_chars == offset) begin = i;
        if (slice.total_chars == offset + max_chars) end = i;
        ++slice.total_chars;
    }
    if (begin < end) slice.text = std::string(text.substr(begin, end - begin));
    return slice;
}

std::string EncodeCursor(int offset) {
    std::string cursor = "o";  // not "o" + to_string(): g++ 12 -Wrestrict false positive at -O3
    cursor += std::to_string(offset);
    return cursor;
}

std::optional<int> DecodeCursor(std::string_view cursor) {
    if (cursor.size() < 2 || cursor.front() != 'o') return std::nullopt;
    int offset = 0;
    const auto [end, ec] =
        std::from_chars(cursor.data() + 1, cursor.data() + cursor.size(), offset);
    if (ec != std::errc() || end != cursor.data() + cursor.size() || offset < 0) {
        return std::nullopt;
    }
    return offset;
}

}  // namespace mnemo::tools

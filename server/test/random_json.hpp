// SPDX-License-Identifier: MIT
// Random JSON documents for the differential tests of the JSON writer and reader.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo::test {

/// A deterministic generator of documents whose strings mix plain text with every kind of byte
/// the writer treats specially (the engine's raw output only, so it is the same everywhere).
class RandomDocuments {
public:
    explicit RandomDocuments(std::uint64_t seed) : engine_(seed) {}

    nlohmann::json Document(int depth) {
        switch (Below(depth > 0 ? 9 : 7)) {
            case 0: return nullptr;
            case 1: return Below(2) == 0;
            case 2: return static_cast<std::int64_t>(engine_());
            case 3: return static_cast<std::uint64_t>(engine_());
            case 4: return Double();
            case 5:
            case 6: return String();
            case 7: {
                nlohmann::json object = nlohmann::json::object();
                for (std::uint64_t n = Below(6); n > 0; --n) object[String()] = Document(depth - 1);
                return object;
            }
            default: {
                nlohmann::json array = nlohmann::json::array();
                for (std::uint64_t n = Below(6); n > 0; --n) array.push_back(Document(depth - 1));
                return array;
            }
        }
    }

private:
    std::uint64_t Below(std::uint64_t n) { return engine_() % n; }

    double Double() {
        static constexpr std::array<double, 7> kPicked = {0.1, -0.0, 1e300, 1e-300,
                                                          0.5, 3.0,  2.5e-5};
        if (Below(2) == 0) return kPicked[Below(kPicked.size())];
        double value = 0;
        const std::uint64_t bits = engine_();
        std::memcpy(&value, &bits, sizeof value);  // any bit pattern, NaNs and infinities too
        return value;
    }

    std::string String() {
        static const std::vector<std::string> kPieces = {
            "\"",
            "\\",
            "\n",
            "\t",
            "\r\n",
            "\x01",
            "\x1f",
            "\x7f",
            "\xC3\xA9",
            "\xE2\x82\xAC",
            "\xF0\x9F\x98\x80",
            "\xEF\xBF\xBF",
            "\xF4\x8F\xBF\xBF",
            " ",
            "/",
            "0",
        };
        // Mostly valid text; one string in eight may carry arbitrary bytes (invalid UTF-8).
        const bool any_bytes = Below(8) == 0;
        const std::uint64_t length = Below(4) == 0 ? Below(300) : Below(24);
        std::string text;
        while (text.size() < length) {
            const std::uint64_t pick = Below(16);
            if (pick < 9) {
                text += static_cast<char>(' ' + Below(95));  // printable ASCII
            } else if (pick < 15) {
                text += kPieces[Below(kPieces.size())];
            } else if (any_bytes) {
                text += static_cast<char>(Below(256));
            }
        }
        return text;
    }

    std::mt19937_64 engine_;
};

}  // namespace mnemo::test

// SPDX-License-Identifier: MIT
// Well-formed UTF-8, as JSON readers and writers (and nlohmann) check it.
#pragma once

#include <cstddef>

namespace mnemo::util {

/// The length of the well-formed UTF-8 sequence at `p` (Unicode's table 3-7: no overlong
/// forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one or `end` cuts it.
/// REQUIRES: p < end and *p >= 0x80.
inline std::size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
    const auto continuation = [](unsigned char byte) { return (byte & 0xC0) == 0x80; };
    const unsigned char lead = p[0];
    const auto left = static_cast<std::size_t>(end - p);
    if (lead >= 0xC2 && lead <= 0xDF) return left >= 2 && continuation(p[1]) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (left < 3 || !continuation(p[2])) return 0;
        const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
        const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
        return p[1] >= low && p[1] <= high ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (left < 4 || !continuation(p[2]) || !continuation(p[3])) return 0;
        const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
        const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= low && p[1] <= high ? 4 : 0;
    }
    return 0;  // a continuation byte, an overlong lead (0xC0, 0xC1) or 0xF5..0xFF
}

}  // namespace mnemo::util

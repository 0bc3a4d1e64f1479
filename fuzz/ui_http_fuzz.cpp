// SPDX-License-Identifier: MIT
// libFuzzer target: the memory browser's request parsing (ui/ui_http.hpp) — any target, Cookie
// header or body text: queries parse or are refused, a cookie value never spans a ';', the
// UTF-8 check agrees with the JSON library's, and an error answer can always be written.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ui/ui_http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mnemo::ui;
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (auto query = ParseQuery("/ui/api/search?" + input)) {
        for (const auto& [name, value] : *query) (void)JsonReply(400, {{name, value}});
    }
    const std::string cookie = CookieValue(input, kSessionCookie);
    if (cookie.find(';') != std::string::npos || cookie.size() > input.size()) std::abort();
    bool json_accepts = true;
    try {
        (void)nlohmann::json(input).dump();
    } catch (const nlohmann::json::exception&) {
        json_accepts = false;
    }
    if (ValidUtf8(input) != json_accepts) std::abort();
    (void)ErrorReply(400, input);  // invalid UTF-8 is replaced, never thrown
    (void)IsJson(input);
    return 0;
}

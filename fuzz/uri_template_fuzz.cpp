// SPDX-License-Identifier: MIT
// libFuzzer target: URI templates (mcp/uri_template.hpp) — matching fuzzed URIs against the
// resource templates and fuzzed templates, percent-decoding, and encode/decode round trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mcp/uri_template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mnemo::mcp;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    static constexpr std::string_view kTemplates[] = {
        "mnemo://projects/{project}/contexts/{topic}",
        "mnemo://projects/{project}",
        "mnemo://projects/{project}/contexts/{topic}/versions/{version}",
    };
    for (const std::string_view uri_template : kTemplates) {
        // A raw NUL in a URI passes Match as is while "%00" is refused by PercentDecode, so
        // values holding one cannot round-trip (the resource provider refuses control
        // characters in topics and project names anyway).
        if (auto vars = MatchUriTemplate(uri_template, input);
            vars && input.find('\0') == std::string_view::npos) {
            // What matched expands back to a URI that matches with the same values.
            const std::string again = ExpandUriTemplate(uri_template, *vars);
            const auto rematched = MatchUriTemplate(uri_template, again);
            if (!rematched || *rematched != *vars) std::abort();
        }
    }
    // Split the input at the first newline: a template and a URI.
    const std::size_t cut = input.find('\n');
    if (cut != std::string_view::npos) {
        (void)MatchUriTemplate(input.substr(0, cut), input.substr(cut + 1));
        (void)ExpandUriTemplate(input.substr(0, cut),
                                {{"project", std::string(input.substr(cut + 1))}});
    }
    if (auto decoded = PercentDecode(input)) (void)PercentEncode(*decoded);
    // Encoding is lossless for text without NUL.
    if (input.find('\0') == std::string_view::npos) {
        const auto back = PercentDecode(PercentEncode(input));
        if (!back || *back != input) std::abort();
    }
    return 0;
}

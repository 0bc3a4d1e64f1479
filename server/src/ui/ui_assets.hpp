// SPDX-License-Identifier: MIT
// The memory browser's files (server/ui/), compiled into the binary at build time.
#pragma once

#include <string_view>

namespace mnemo::ui {

struct UiAsset {
    std::string_view name;  // file name under server/ui/, e.g. "app.js"
    std::string_view content_type;
    std::string_view body;
};

/// The asset named `name`, or null. Thread safety: the table is constant.
[[nodiscard]] const UiAsset* FindUiAsset(std::string_view name);

}  // namespace mnemo::ui

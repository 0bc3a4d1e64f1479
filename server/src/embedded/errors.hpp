// SPDX-License-Identifier: MIT
// Error helpers shared by the embedded cluster's files.
#pragma once

#include <string>
#include <system_error>

#include "util/error.hpp"

namespace mnemo::embedded {

/// The error of every embedded-cluster failure that is not the caller's bad argument.
[[nodiscard]] inline Error Unavailable(std::string message) {
    return Error(ErrorCode::kUnavailable, std::move(message));
}

/// strerror's text, thread-safely.
[[nodiscard]] inline std::string ErrnoText(int error) {
    return std::generic_category().message(error);
}

}  // namespace mnemo::embedded

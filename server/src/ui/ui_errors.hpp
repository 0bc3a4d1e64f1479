// SPDX-License-Identifier: MIT
// How the memory browser answers a store's error.
#pragma once

#include "util/error.hpp"
#include "util/http_route.hpp"

namespace mnemo::ui {

/// A store error as an API answer: 404 for a missing project, topic or version, 409 for a
/// refused change, 400 for another invalid argument, 500 for an SQL error, 503 for the pool
/// or database (their own text), 500 for an internal error.
[[nodiscard]] util::RouteResponse StoreError(const Error& error);

}  // namespace mnemo::ui

// SPDX-License-Identifier: MIT
// SHA-256 of file content, as lower-case hex: util's digest, under files' name.
#pragma once

#include "util/digest.hpp"

namespace mnemo::files {

using util::Sha256Hex;

}  // namespace mnemo::files

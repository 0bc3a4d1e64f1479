// SPDX-License-Identifier: MIT
// Stats helpers: histogram quantiles and eviction reason names.
#include "pqpool/stats.hpp"

namespace pqpool {

std::string_view ToString(EvictReason reason) noexcept {
    switch (reason) {
        case EvictReason::kBroken: return "broken";
        case EvictReason::kFailedCheck: return "failed_check";
        case EvictReason::kDirty: return "dirty";
        case EvictReason::kLifetime: return "lifetime";
        case EvictReason::kIdleTimeout: return "idle_timeout";
        case EvictReason::kDrain: return "drain";
        case EvictReason::kResize: return "resize";
        case EvictReason::kClose: return "close";
    }
    return "unknown";
}

std::uint64_t HistogramSnapshot::QuantileNs(double q) const noexcept {
    if (count == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count) + 0.999999);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets[i];
        if (seen >= rank) return (std::uint64_t{2} << i) - 1;
    }
    return ~std::uint64_t{0};
}

}  // namespace pqpool

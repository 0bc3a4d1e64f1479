// SPDX-License-Identifier: MIT
// PoolOptions validation, profiles and the default logger.
#include "pqpool/options.hpp"

#include <cstdio>
#include <string>

namespace pqpool {
namespace {

Status Invalid(std::string message) {
    return Error(ErrorCode::kInvalidArgument, "invalid pool option: " + std::move(message));
}

}  // namespace

void LogToStderr(LogLevel level, std::string_view message) {
    static constexpr const char* kNames[] = {"debug", "info", "warning", "error"};
    std::fprintf(stderr, "pqpool %s: %.*s\n", kNames[static_cast<int>(level)],
                 static_cast<int>(message.size()), message.data());
}

PoolOptions PoolOptions::Serverless(std::string conninfo) {
    PoolOptions options;
    options.conninfo = std::move(conninfo);
    options.max_size = 5;
    options.min_idle = 0;
    options.idle_timeout = Millis(4 * 60 * 1000);
    options.connect_timeout = Millis(10'000);
    return options;
}

std::size_t PoolOptions::TenantQuota(std::string_view tenant) const {
    auto it = tenant_quotas.find(tenant);
    return it == tenant_quotas.end() ? tenant_max_leases : it->second;
}

std::string PoolOptions::TenantGroup(std::string_view tenant) const {
    return tenant_group && !tenant.empty() ? tenant_group(tenant) : std::string();
}

std::size_t PoolOptions::GroupQuota(std::string_view group) const {
    auto it = group_quotas.find(group);
    return it == group_quotas.end() ? group_max_leases : it->second;
}

Status PoolOptions::Validate() const {
    if (max_size == 0) return Invalid("max_size must be at least 1");
    if (tenant_max_leases == 0) return Invalid("tenant_max_leases must be at least 1");
    for (const auto& [tenant, quota] : tenant_quotas) {
        if (tenant.empty()) {
            return Invalid(
                "tenant_quotas must not name the untenanted key \"\" (it is bounded by "
                "max_size only)");
        }
        if (quota == 0) {
            return Invalid("tenant_quotas['" + tenant + "'] must be at least 1 (got 0)");
        }
    }
    for (const auto& [group, quota] : group_quotas) {
        if (group.empty()) return Invalid("group_quotas must not name the empty group \"\"");
        if (quota == 0) {
            return Invalid("group_quotas['" + group + "'] must be at least 1 (got 0)");
        }
    }
    if (min_idle > max_size) {
        return Invalid("min_idle (" + std::to_string(min_idle) + ") exceeds max_size (" +
                       std::to_string(max_size) + ")");
    }
    if (max_connecting == 0) return Invalid("max_connecting must be at least 1");
    if (acquire_timeout.count() <= 0) return Invalid("acquire_timeout must be positive");
    if (connect_timeout.count() <= 0) return Invalid("connect_timeout must be positive");
    if (check_timeout.count() <= 0) return Invalid("check_timeout must be positive");
    if (statement_timeout.count() < 0) return Invalid("statement_timeout must not be negative");
    if (alive_bypass.count() < 0) return Invalid("alive_bypass must not be negative");
    if (ping_after.count() < 0) return Invalid("ping_after must not be negative");
    if (max_lifetime.count() <= 0) return Invalid("max_lifetime must be positive");
    if (!(lifetime_jitter >= 0.0 && lifetime_jitter < 1.0)) {
        return Invalid("lifetime_jitter must be in [0, 1)");
    }
    if (idle_timeout.count() <= 0) return Invalid("idle_timeout must be positive");
    if (leak_threshold.count() < 0) return Invalid("leak_threshold must not be negative");
    if (backoff_initial.count() <= 0 || backoff_max < backoff_initial) {
        return Invalid("backoff_initial must be positive and at most backoff_max");
    }
    if (budget_probe_interval.count() <= 0) {
        return Invalid("budget_probe_interval must be positive");
    }
    if (backpressure_log_interval.count() <= 0) {
        return Invalid("backpressure_log_interval must be positive");
    }
    if (!logger) return Invalid("logger must be set");
    return {};
}

}  // namespace pqpool

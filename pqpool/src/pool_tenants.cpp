// SPDX-License-Identifier: MIT
// Pool: the admission levels above the budget — tenants, their groups — and what errors say
// about them.
#include <string>

#include "pool_impl.hpp"
#include "pool_internal.hpp"
#include "pqpool/pool.hpp"

namespace pqpool {

using detail::TenantName;

Pool::Impl::TenantState& Pool::Impl::TenantLocked(std::string_view tenant) {
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) {
        // The only quota lookups: FullLocked, on the acquire path, reads the stored copies.
        TenantState state;
        state.quota = options_.TenantQuota(tenant);
        state.group = options_.TenantGroup(tenant);
        if (!state.group.empty()) {
            auto group = groups_.find(state.group);
            if (group == groups_.end()) {
                GroupState fresh;
                fresh.quota = options_.GroupQuota(state.group);
                group = groups_.emplace(state.group, fresh).first;
            }
            ++group->second.tenants;
            state.group_state = &group->second;
        }
        it = tenants_.emplace(std::string(tenant), std::move(state)).first;
    }
    return it->second;
}

void Pool::Impl::ForgetTenantIfUnusedLocked(std::string_view tenant) {
    auto it = tenants_.find(tenant);
    if (it != tenants_.end() && it->second.leased == 0 && it->second.waiting == 0) {
        if (GroupState* group = it->second.group_state; group != nullptr && --group->tenants == 0) {
            groups_.erase(it->second.group);
        }
        tenants_.erase(it);
    }
}

Pool::Impl::Full Pool::Impl::FullLocked(std::string_view tenant) const {
    if (tenant.empty()) return Full::kNone;
    auto it = tenants_.find(tenant);
    bool tenant_full = false;
    const GroupState* group = nullptr;
    if (it != tenants_.end()) {
        tenant_full = it->second.leased >= it->second.quota;
        group = it->second.group_state;
    } else if (options_.tenant_group) {
        // Not active yet: holds nothing (every quota is at least 1), but its group may.
        auto found = groups_.find(options_.TenantGroup(tenant));
        if (found != groups_.end()) group = &found->second;
    }
    const bool group_full = group != nullptr && group->quota != 0 && group->leased >= group->quota;
    if (tenant_full) return group_full ? Full::kTenantAndGroup : Full::kTenant;
    return group_full ? Full::kGroup : Full::kNone;
}

std::string Pool::Impl::StateTextLocked(std::string_view tenant) const {
    std::string text;
    if (!tenant.empty()) {
        auto it = tenants_.find(tenant);
        const std::size_t leased = it == tenants_.end() ? 0 : it->second.leased;
        const std::size_t quota =
            it == tenants_.end() ? options_.TenantQuota(tenant) : it->second.quota;
        const std::string group_key =
            it == tenants_.end() ? options_.TenantGroup(tenant) : it->second.group;
        if (!group_key.empty()) {
            auto group = groups_.find(group_key);
            const std::size_t group_leased = group == groups_.end() ? 0 : group->second.leased;
            const std::size_t group_quota =
                group == groups_.end() ? options_.GroupQuota(group_key) : group->second.quota;
            text += "group " + TenantName(group_key) + " in use " + std::to_string(group_leased) +
                    (group_quota == 0 ? std::string(" (no quota)")
                                      : " of quota " + std::to_string(group_quota)) +
                    "; ";
        }
        text +=
            "tenant in use " + std::to_string(leased) + " of quota " + std::to_string(quota) + "; ";
    }
    text += "pool '" + options_.name + "' in use " + std::to_string(slots_.size() - idle_.size()) +
            " of budget " + std::to_string(effective_max_size_) + ", idle " +
            std::to_string(idle_.size()) + ", waiting " + std::to_string(waiters_.size()) +
            ", connecting " + std::to_string(connecting_);
    return text;
}

std::string Pool::Impl::FullTextLocked(std::string_view tenant) const {
    std::string group;
    if (!tenant.empty()) {
        auto it = tenants_.find(tenant);
        group = it == tenants_.end() ? options_.TenantGroup(tenant) : it->second.group;
    }
    switch (FullLocked(tenant)) {
        case Full::kGroup: return "group " + TenantName(group) + " quota";
        case Full::kTenant: return "tenant quota";
        case Full::kTenantAndGroup: return "tenant quota and group " + TenantName(group) + " quota";
        case Full::kNone: break;
    }
    return "pool budget";
}

Error Pool::Impl::OverloadedErrorLocked(std::string_view tenant) {
    ++counters_.overloads;
    return Error(ErrorCode::kPoolOverloaded,
                 "Connection pool overloaded: " + std::to_string(waiters_.size()) +
                     " callers already waiting (max_waiting); " + StateTextLocked(tenant));
}

std::optional<Error> Pool::Impl::AdmitWaiterLocked(std::string_view tenant) {
    if (waiters_.size() >= options_.EffectiveMaxWaiting()) return OverloadedErrorLocked(tenant);
    if (options_.group_max_waiting == 0 || tenant.empty()) return std::nullopt;
    const TenantState& state = TenantLocked(tenant);
    if (state.group_state == nullptr || state.group_state->waiting < options_.group_max_waiting) {
        return std::nullopt;
    }
    ++counters_.overloads;
    Error error(ErrorCode::kPoolOverloaded,
                "Connection pool overloaded: group " + TenantName(state.group) + " has " +
                    std::to_string(state.group_state->waiting) +
                    " callers already waiting (group_max_waiting); " + StateTextLocked(tenant));
    ForgetTenantIfUnusedLocked(tenant);
    return error;
}

}  // namespace pqpool

// SPDX-License-Identifier: MIT
// `mnemo token create|list|revoke`: bearer tokens for the HTTP server.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/database.hpp"
#include "memory/access_store.hpp"

namespace mnemo::cli {
namespace {

bool IsValidUserName(const std::string& user) {
    if (user.empty() || user.size() > 64) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(user.front())) return false;
    for (char c : user) {
        if (!lower_alnum(c) && c != '_' && c != '.' && c != '@' && c != '-') return false;
    }
    return true;
}

// Pads to `width` columns, counting UTF-8 code points, not bytes ("…" is three bytes, one
// column): printf's %-16s would misalign every column after it.
std::string PadRight(std::string text, std::size_t width) {
    const auto columns =
        static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
            return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        }));
    if (columns < width) text.append(width - columns, ' ');
    return text;
}

std::string Text(const nlohmann::json& value) {
    if (value.is_null()) return "-";
    if (value.is_string()) return value.get<std::string>().substr(0, 19);
    return value.dump();
}

int Create(memory::Store& store, const memory::AccessStore& access, pqpool::Lease& lease,
           const TokenCommand& command) {
    auto created = access.CreateToken(lease, command.user, command.scope, command.label);
    if (!created.ok()) {
        PrintError("could not create the token: " + created.error().message());
        return 1;
    }
    lease.Release();
    if (auto registered = store.RegisterOwner(command.user); !registered.ok()) {
        PrintError("could not register the user: " + registered.error().message());
        return 1;
    }
    std::printf("%s\n", (*created)["token"].get<std::string>().c_str());
    std::fprintf(stderr,
                 "mnemo: token %lld for user '%s' (scope %s); it is shown only once. Connect "
                 "with: claude mcp add --transport http mnemo http://HOST:PORT/mcp --header "
                 "\"Authorization: Bearer <token>\"\n",
                 (*created)["id"].get<long long>(), command.user.c_str(), command.scope.c_str());
    return 0;
}

int List(const memory::AccessStore& access, pqpool::Lease& lease) {
    auto tokens = access.ListTokens(lease);
    if (!tokens.ok()) {
        PrintError("could not list tokens: " + tokens.error().message());
        return 1;
    }
    const auto row = [](const std::vector<std::string>& cells) {
        static constexpr std::size_t kWidths[] = {6, 20, 6, 16, 19, 19, 19};
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            line += i + 1 < cells.size() ? PadRight(cells[i], kWidths[i]) + " " : cells[i];
        }
        std::printf("%s\n", line.c_str());
    };
    row({"ID", "USER", "SCOPE", "PREFIX", "CREATED", "LAST USED", "REVOKED", "LABEL"});
    for (const auto& token : *tokens) {
        row({std::to_string(token["id"].get<long long>()), Text(token["user"]),
             Text(token["scope"]), Text(token["prefix"]) + "…", Text(token["created_at"]),
             Text(token["last_used_at"]), Text(token["revoked_at"]),
             token["label"].get<std::string>()});
    }
    return 0;
}

int Revoke(const memory::AccessStore& access, pqpool::Lease& lease, long long id) {
    auto revoked = access.RevokeToken(lease, id);
    if (!revoked.ok()) {
        PrintError("could not revoke the token: " + revoked.error().message());
        return 1;
    }
    if (!(*revoked)["found"].get<bool>()) {
        PrintError("no token has id " + std::to_string(id) + " (see `mnemo token list`)");
        return 1;
    }
    std::printf((*revoked)["revoked"].get<bool>() ? "revoked token %lld\n"
                                                  : "token %lld was already revoked\n",
                id);
    return 0;
}

}  // namespace

int RunToken(const Config& config, const TokenCommand& command) {
    if (command.action == "create" && !IsValidUserName(command.user)) {
        PrintError(
            "--user must be 1-64 characters of a-z, 0-9, '_', '.', '@' and '-', "
            "starting with a letter or digit, got '" +
            command.user + "'");
        return 2;
    }
    auto db = OpenDatabase(config);
    if (!db.ok()) {
        PrintError(db.error().message());
        return 1;
    }
    const memory::AccessStore access(memory::SessionLimits{});
    auto lease = db->pool->Acquire(
        pqpool::AcquireLabel(memory::AccessStore::ServerTenant(), "token_" + command.action));
    if (!lease.ok()) {
        PrintError(lease.error().message());
        return 1;
    }
    if (command.action == "create") return Create(*db->store, access, *lease, command);
    if (command.action == "list") return List(access, *lease);
    return Revoke(access, *lease, command.id);
}

}  // namespace mnemo::cli

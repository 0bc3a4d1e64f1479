// SPDX-License-Identifier: MIT
// server-memory's memory.json (JSON Lines of entities and relations) as mnemo records.
#include <map>

#include "backup/converters.hpp"
#include "backup/line_reader.hpp"

namespace mnemo::backup::detail {
namespace {

struct Entity {
    std::int64_t line = 0;  // where it first appears
    std::vector<std::string> types;
    std::vector<std::string> observations;
    std::vector<std::string> relations;  // "relationType: to"
};

bool StringField(const Json& value, const char* key) {
    return value.contains(key) && value[key].is_string() && !value[key].get<std::string>().empty();
}

/// The entity's context content: its observations, then its outgoing relations.
std::string Content(const Entity& entity) {
    std::string content;
    for (const auto& observation : entity.observations) content += "- " + observation + "\n";
    if (!entity.relations.empty()) {
        content += content.empty() ? "Relations:\n" : "\nRelations:\n";
        for (const auto& relation : entity.relations) content += "- " + relation + "\n";
    }
    if (!content.empty()) content.pop_back();
    return content;
}

}  // namespace

bool ServerMemoryRecords(std::istream& in, const std::string& project, std::size_t max_line_bytes,
                         std::vector<SourceRecord>& records, std::optional<ImportError>& error) {
    // server-memory itself holds the whole graph in memory; so does this (entity order kept).
    std::map<std::string, Entity> entities;
    std::vector<std::string> order;
    auto entity = [&](const std::string& name, std::int64_t line) -> Entity& {
        auto [it, inserted] = entities.try_emplace(name);
        if (inserted) {
            it->second.line = line;
            order.push_back(name);
        }
        return it->second;
    };
    LineReader reader(in, max_line_bytes);
    std::string line;
    while (true) {
        const auto status = reader.Next(line);
        if (status == LineReader::Status::kEnd) break;
        const std::int64_t number = reader.line_number();
        if (status == LineReader::Status::kTooLong) {
            error = ImportError{
                number, "", "the line is longer than " + std::to_string(max_line_bytes) + " bytes"};
            return false;
        }
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const Json value = Json::parse(line, nullptr, false);
        if (value.is_discarded() || !value.is_object()) {
            error = ImportError{number, "",
                                reader.terminated() ? "not a JSON object"
                                                    : "not a JSON object: the file ends inside "
                                                      "this line (truncated?)"};
            return false;
        }
        const std::string type = value.value("type", Json()).is_string()
                                     ? value["type"].get<std::string>()
                                     : std::string();
        if (type == "entity") {
            if (!StringField(value, "name")) {
                error = ImportError{number, "", "entity: \"name\" must be a non-empty string"};
                return false;
            }
            Entity& e = entity(value["name"].get<std::string>(), number);
            if (StringField(value, "entityType")) {
                e.types.push_back(value["entityType"].get<std::string>());
            }
            if (value.contains("observations")) {
                if (!value["observations"].is_array()) {
                    error = ImportError{number, "", "entity: \"observations\" must be an array"};
                    return false;
                }
                for (const auto& observation : value["observations"]) {
                    if (!observation.is_string()) {
                        error = ImportError{number, "", "entity: observations must be strings"};
                        return false;
                    }
                    e.observations.push_back(observation.get<std::string>());
                }
            }
        } else if (type == "relation") {
            if (!StringField(value, "from") || !StringField(value, "to") ||
                !StringField(value, "relationType")) {
                error = ImportError{number, "",
                                    "relation: \"from\", \"to\" and \"relationType\" must be "
                                    "non-empty strings"};
                return false;
            }
            entity(value["from"].get<std::string>(), number)
                .relations.push_back(value["relationType"].get<std::string>() + ": " +
                                     value["to"].get<std::string>());
        } else {
            error = ImportError{number, "",
                                "not a server-memory record: \"type\" must be \"entity\" or "
                                "\"relation\""};
            return false;
        }
    }
    records.push_back({0, "", HeaderRecord(), 0});
    records.push_back({0, "", {{"type", "project"}, {"project", project}}, 0});
    for (const auto& name : order) {
        const Entity& e = entities[name];
        Json tags = Json::array();
        for (const auto& type : e.types) {
            if (std::find(tags.begin(), tags.end(), type) == tags.end()) tags.push_back(type);
        }
        const std::string content = Content(e);
        records.push_back({e.line,
                           "",
                           {{"type", "context"},
                            {"project", project},
                            {"topic", name},
                            {"version", 1},
                            {"priority", "reference"},
                            {"tags", tags},
                            {"content", content}},
                           content.size()});
    }
    records.push_back({reader.line_number(), "", EndRecord(), 0});
    return true;
}

}  // namespace mnemo::backup::detail

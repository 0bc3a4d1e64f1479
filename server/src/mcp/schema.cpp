// SPDX-License-Identifier: MIT
// Tool argument validation (a JSON Schema subset).
#include "mcp/schema.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include <re2/re2.h>

namespace mnemo::mcp {
namespace {

using Json = nlohmann::json;

std::string TypeName(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null: return "null";
        case Json::value_t::boolean: return "a boolean";
        case Json::value_t::string: return "a string";
        case Json::value_t::array: return "an array";
        case Json::value_t::object: return "an object";
        case Json::value_t::number_float: return "a number";
        default: return "an integer";
    }
}

bool MatchesType(const Json& value, std::string_view type) {
    if (type == "string") return value.is_string();
    if (type == "integer") {
        if (value.is_number_integer()) return true;
        // 3.0 is an integer in JSON Schema.
        const double number = value.is_number_float() ? value.get<double>() : 0.5;
        return std::abs(number) <= 9007199254740992.0 && std::trunc(number) == number;
    }
    if (type == "number") return value.is_number();
    if (type == "boolean") return value.is_boolean();
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "null") return value.is_null();
    return false;
}

std::size_t CodePoints(const std::string& text) {
    std::size_t count = 0;
    for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

bool MatchesPattern(const std::string& pattern, const std::string& text) {
    // Schemas are static, so compiled patterns are kept for the life of the process. RE2
    // matches in linear time, and a compiled RE2 may be used by many threads at once: the
    // lock covers only the cache.
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<const RE2>, std::less<>> compiled;
    const RE2* regex = nullptr;
    {
        std::lock_guard lock(mutex);
        auto& slot = compiled[pattern];
        if (slot == nullptr) slot = std::make_unique<const RE2>(pattern, RE2::Quiet);
        regex = slot.get();
    }
    return regex->ok() && RE2::PartialMatch(text, *regex);
}

std::string Where(const std::string& path) {
    return path.empty() ? "arguments" : "argument '" + path + "'";
}

std::string Validate(const Json& schema, const Json& value, const std::string& path);

std::string ValidateType(const Json& schema, const Json& value, const std::string& path) {
    const auto type = schema.find("type");
    if (type == schema.end()) return {};
    if (type->is_string()) {
        if (MatchesType(value, type->get<std::string>())) return {};
        const std::string name = type->get<std::string>();
        const bool vowel = name == "integer" || name == "object" || name == "array";
        return Where(path) + ": expected " + (vowel ? "an " : "a ") + name + ", got " +
               TypeName(value);
    }
    for (const auto& option : *type) {
        if (option.is_string() && MatchesType(value, option.get<std::string>())) return {};
    }
    return Where(path) + ": expected one of " + type->dump() + ", got " + TypeName(value);
}

std::string ValidateString(const Json& schema, const std::string& text, const std::string& path) {
    // PostgreSQL text cannot hold U+0000, and libpq would cut the value there silently.
    if (text.find('\0') != std::string::npos) {
        return Where(path) + ": must not contain NUL characters (U+0000)";
    }
    const std::size_t length = CodePoints(text);
    if (auto min = schema.find("minLength"); min != schema.end() && length < min->get<size_t>()) {
        return Where(path) + ": must be at least " + min->dump() + " characters long";
    }
    if (auto max = schema.find("maxLength"); max != schema.end() && length > max->get<size_t>()) {
        return Where(path) + ": must be at most " + max->dump() + " characters long, got " +
               std::to_string(length);
    }
    if (auto pattern = schema.find("pattern");
        pattern != schema.end() && !MatchesPattern(pattern->get<std::string>(), text)) {
        return Where(path) + ": must match " + pattern->get<std::string>();
    }
    return {};
}

std::string ValidateNumber(const Json& schema, double number, const std::string& path) {
    if (auto min = schema.find("minimum"); min != schema.end() && number < min->get<double>()) {
        return Where(path) + ": must be at least " + min->dump();
    }
    if (auto max = schema.find("maximum"); max != schema.end() && number > max->get<double>()) {
        return Where(path) + ": must be at most " + max->dump();
    }
    return {};
}

std::string ValidateArray(const Json& schema, const Json& array, const std::string& path) {
    if (auto min = schema.find("minItems");
        min != schema.end() && array.size() < min->get<size_t>()) {
        return Where(path) + ": needs at least " + min->dump() + " items";
    }
    if (auto max = schema.find("maxItems");
        max != schema.end() && array.size() > max->get<size_t>()) {
        return Where(path) + ": allows at most " + max->dump() + " items, got " +
               std::to_string(array.size());
    }
    if (auto items = schema.find("items"); items != schema.end()) {
        for (std::size_t i = 0; i < array.size(); ++i) {
            auto problem = Validate(*items, array[i], path + "[" + std::to_string(i) + "]");
            if (!problem.empty()) return problem;
        }
    }
    return {};
}

std::string ValidateObject(const Json& schema, const Json& object, const std::string& path) {
    const std::string prefix = path.empty() ? "" : path + ".";
    if (auto required = schema.find("required"); required != schema.end()) {
        for (const auto& name : *required) {
            if (!object.contains(name.get<std::string>())) {
                return "argument '" + prefix + name.get<std::string>() + "' is required";
            }
        }
    }
    const auto properties = schema.find("properties");
    const auto additional = schema.find("additionalProperties");
    for (const auto& [name, member] : object.items()) {
        if (properties != schema.end() && properties->contains(name)) {
            auto problem = Validate((*properties)[name], member, prefix + name);
            if (!problem.empty()) return problem;
        } else if (additional != schema.end() && additional->is_boolean() && !*additional) {
            std::string known;
            if (properties != schema.end()) {
                for (const auto& [known_name, unused] : properties->items()) {
                    known += (known.empty() ? "" : ", ") + known_name;
                }
            }
            return "unknown argument '" + prefix + name + "'" +
                   (known.empty() ? " (this tool takes none)" : " (expected: " + known + ")");
        } else if (additional != schema.end() && additional->is_object()) {
            auto problem = Validate(*additional, member, prefix + name);
            if (!problem.empty()) return problem;
        }
    }
    return {};
}

std::string Validate(const Json& schema, const Json& value, const std::string& path) {
    if (!schema.is_object()) return {};
    if (auto problem = ValidateType(schema, value, path); !problem.empty()) return problem;
    if (auto allowed = schema.find("enum"); allowed != schema.end()) {
        bool found = false;
        for (const auto& option : *allowed) found = found || option == value;
        if (!found) return Where(path) + ": must be one of " + allowed->dump();
    }
    if (value.is_string()) return ValidateString(schema, value.get<std::string>(), path);
    if (value.is_number()) return ValidateNumber(schema, value.get<double>(), path);
    if (value.is_array()) return ValidateArray(schema, value, path);
    if (value.is_object()) return ValidateObject(schema, value, path);
    return {};
}

}  // namespace

std::string ValidateArguments(const Json& schema, const Json& value) {
    return Validate(schema, value, "");
}

}  // namespace mnemo::mcp

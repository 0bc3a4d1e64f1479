// SPDX-License-Identifier: MIT
// Conformance fixtures: what @modelcontextprotocol/conformance's server scenarios expect.
#include "conformance/fixtures.hpp"

#include <chrono>
#include <thread>

#include "mcp/jsonrpc.hpp"
#include "mcp/uri_template.hpp"

namespace mnemo::conformance {
namespace {

using Json = nlohmann::json;
using mcp::FeatureResult;
using mcp::ToolCall;
using mcp::ToolResult;

// A 1×1 PNG and a minimal WAV, base64.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";
constexpr const char* kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";
constexpr const char* kTemplate = "test://template/{id}/data";

Json Text(std::string text) { return {{"type", "text"}, {"text", std::move(text)}}; }
Json Image() { return {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}; }
Json EmbeddedResource(const char* uri, const char* mime, std::string text) {
    return {{"type", "resource"},
            {"resource", {{"uri", uri}, {"mimeType", mime}, {"text", std::move(text)}}}};
}

Json NoArguments() { return {{"type", "object"}, {"properties", Json::object()}}; }

Json StringArgument(const char* name, const char* description) {
    return {{"type", "object"},
            {"properties", {{name, {{"type", "string"}, {"description", description}}}}},
            {"required", {name}}};
}

void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

/// The text of a client's answer, for the tool's result.
ToolResult AnswerResult(const mcp::ClientAnswer& answer, const std::string& prefix) {
    if (!answer.ok) return ToolResult::Error("client_request", answer.error);
    return ToolResult::Content(Json::array({Text(prefix + mcp::Serialize(answer.result))}));
}

ToolResult Elicit(const ToolCall& call, std::string message, Json properties, Json required) {
    Json schema = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) schema["required"] = std::move(required);
    const auto answer = call.RequestClient(
        "elicitation/create", {{"message", std::move(message)}, {"requestedSchema", schema}});
    return AnswerResult(answer, "Elicitation completed: ");
}

void AddTools(mcp::ToolRegistry& tools) {
    // `asks_client`: the fixture sends the client a request and waits (sampling, elicitation).
    constexpr bool kAsksClient = true;
    auto add = [&tools](const char* name, const char* description, Json schema,
                        mcp::ToolHandler handler, bool asks_client = false) {
        tools.Add({.name = name,
                   .title = {},
                   .description = description,
                   .input_schema = std::move(schema),
                   .annotations = {{"readOnlyHint", true}},
                   .handler = std::move(handler),
                   .plan = {},
                   .caller_sql = false,
                   .asks_client = asks_client});
    };
    add("test_simple_text", "Conformance fixture: returns a simple text response.", NoArguments(),
        [](const ToolCall&) {
            return ToolResult::Content(
                Json::array({Text("This is a simple text response for testing.")}));
        });
    add("test_image_content", "Conformance fixture: returns an image.", NoArguments(),
        [](const ToolCall&) { return ToolResult::Content(Json::array({Image()})); });
    add("test_audio_content", "Conformance fixture: returns audio.", NoArguments(),
        [](const ToolCall&) {
            return ToolResult::Content(
                Json::array({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}}));
        });
    add("test_embedded_resource", "Conformance fixture: returns an embedded resource.",
        NoArguments(), [](const ToolCall&) {
            return ToolResult::Content(
                Json::array({EmbeddedResource("test://embedded-resource", "text/plain",
                                              "This is an embedded resource content.")}));
        });
    add("test_multiple_content_types",
        "Conformance fixture: returns text, an image and a resource.", NoArguments(),
        [](const ToolCall&) {
            return ToolResult::Content(
                Json::array({Text("Multiple content types test:"), Image(),
                             EmbeddedResource("test://mixed-content-resource", "application/json",
                                              R"({"test":"data","value":123})")}));
        });
    add("test_tool_with_logging", "Conformance fixture: sends log messages while it runs.",
        NoArguments(), [](const ToolCall& call) {
            call.Log(mcp::LogLevel::kInfo, "Tool execution started");
            Pause();
            call.Log(mcp::LogLevel::kInfo, "Tool processing data");
            Pause();
            call.Log(mcp::LogLevel::kInfo, "Tool execution completed");
            return ToolResult::Content(
                Json::array({Text("Tool with logging executed successfully")}));
        });
    add("test_error_handling", "Conformance fixture: always fails.", NoArguments(),
        [](const ToolCall&) {
            return ToolResult::Error("fixture",
                                     "This tool intentionally returns an error for testing");
        });
    add("test_tool_with_progress", "Conformance fixture: reports progress while it runs.",
        NoArguments(), [](const ToolCall& call) {
            for (const double step : {0.0, 50.0, 100.0}) {
                if (call.Cancelled()) break;
                call.Progress(step, 100, "step " + std::to_string(static_cast<int>(step)));
                Pause();
            }
            return ToolResult::Content(Json::array({Text("Progress tool completed")}));
        });
    add(
        "test_sampling", "Conformance fixture: asks the client's model (sampling).",
        StringArgument("prompt", "The prompt to send"),
        [](const ToolCall& call) {
            const std::string prompt = call.arguments["prompt"].get<std::string>();
            const Json message = {{"role", "user"}, {"content", Text(prompt)}};
            const auto answer =
                call.RequestClient("sampling/createMessage",
                                   {{"messages", Json::array({message})}, {"maxTokens", 100}});
            if (!answer.ok) return ToolResult::Error("client_request", answer.error);
            const Json content = answer.result.value("content", Json::object());
            return ToolResult::Content(Json::array(
                {Text("LLM response: " +
                      (content.is_object() ? content.value("text", "") : std::string()))}));
        },
        kAsksClient);
    add(
        "test_elicitation", "Conformance fixture: asks the user for input (elicitation).",
        StringArgument("message", "The message to show the user"),
        [](const ToolCall& call) {
            return Elicit(
                call, call.arguments["message"].get<std::string>(),
                {{"username", {{"type", "string"}, {"description", "User's response"}}},
                 {"email", {{"type", "string"}, {"description", "User's email address"}}}},
                {"username", "email"});
        },
        kAsksClient);
    add(
        "test_elicitation_sep1034_defaults",
        "Conformance fixture: elicitation with default values (SEP-1034).", NoArguments(),
        [](const ToolCall& call) {
            return Elicit(
                call, "Please review and update the form fields with defaults",
                {{"name",
                  {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
                 {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
                 {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
                 {"status",
                  {{"type", "string"},
                   {"description", "User status"},
                   {"enum", {"active", "inactive", "pending"}},
                   {"default", "active"}}},
                 {"verified",
                  {{"type", "boolean"},
                   {"description", "Verification status"},
                   {"default", true}}}},
                Json::array());
        },
        kAsksClient);
    add(
        "test_elicitation_sep1330_enums",
        "Conformance fixture: elicitation with every enum form (SEP-1330).", NoArguments(),
        [](const ToolCall& call) {
            const Json titled = Json::array({{{"const", "value1"}, {"title", "First Option"}},
                                             {{"const", "value2"}, {"title", "Second Option"}},
                                             {{"const", "value3"}, {"title", "Third Option"}}});
            return Elicit(
                call, "Please select options from the enum fields",
                {{"untitledSingle",
                  {{"type", "string"},
                   {"description", "Select one option"},
                   {"enum", {"option1", "option2", "option3"}}}},
                 {"titledSingle",
                  {{"type", "string"},
                   {"description", "Select one option with titles"},
                   {"oneOf", titled}}},
                 {"legacyEnum",
                  {{"type", "string"},
                   {"description", "Select one option (legacy)"},
                   {"enum", {"opt1", "opt2", "opt3"}},
                   {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
                 {"untitledMulti",
                  {{"type", "array"},
                   {"description", "Select multiple options"},
                   {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
                 {"titledMulti",
                  {{"type", "array"},
                   {"description", "Select multiple options with titles"},
                   {"items", {{"anyOf", titled}}}}}},
                Json::array());
        },
        kAsksClient);
    add("json_schema_2020_12_tool", "Conformance fixture: a JSON Schema 2020-12 input schema.",
        {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
         {"type", "object"},
         {"$defs",
          {{"address",
            {{"type", "object"},
             {"properties", {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}}}}},
         {"properties",
          {{"name", {{"type", "string"}}}, {"address", {{"$ref", "#/$defs/address"}}}}},
         {"additionalProperties", false}},
        [](const ToolCall& call) {
            return ToolResult::Content(
                Json::array({Text("Schema received: " + mcp::Serialize(call.arguments))}));
        });
}

class TestResources final : public mcp::ResourceProvider {
public:
    FeatureResult List(const mcp::Session&, const std::string& cursor) const override {
        if (!cursor.empty()) {
            return FeatureResult::Error(mcp::kInvalidParams, "Invalid params: unknown cursor");
        }
        return FeatureResult::Ok(
            {{"resources",
              {{{"uri", "test://static-text"},
                {"name", "Static Text Resource"},
                {"description", "A static text resource for testing"},
                {"mimeType", "text/plain"}},
               {{"uri", "test://static-binary"},
                {"name", "Static Binary Resource"},
                {"description", "A static binary resource (image) for testing"},
                {"mimeType", "image/png"}},
               {{"uri", "test://watched-resource"},
                {"name", "Watched Resource"},
                {"description", "A resource for subscription tests"},
                {"mimeType", "text/plain"}}}}});
    }

    Json Templates() const override {
        return Json::array({{{"uriTemplate", kTemplate},
                             {"name", "Resource Template"},
                             {"description", "A resource template with an id parameter"},
                             {"mimeType", "application/json"}}});
    }

    bool Owns(std::string_view uri) const override { return uri.starts_with("test://"); }

    FeatureResult Read(const std::string& uri, const mcp::Session&) const override {
        auto text = [&uri](const char* mime, std::string body) {
            return FeatureResult::Ok(
                {{"contents", {{{"uri", uri}, {"mimeType", mime}, {"text", std::move(body)}}}}});
        };
        if (uri == "test://static-text") {
            return text("text/plain", "This is the content of the static text resource.");
        }
        if (uri == "test://watched-resource")
            return text("text/plain", "Watched resource content.");
        if (uri == "test://static-binary") {
            return FeatureResult::Ok(
                {{"contents", {{{"uri", uri}, {"mimeType", "image/png"}, {"blob", kPng}}}}});
        }
        if (auto values = mcp::MatchUriTemplate(kTemplate, uri)) {
            const std::string& id = (*values)["id"];
            return text("application/json",
                        mcp::Serialize(
                            {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}}));
        }
        return FeatureResult::Error(mcp::kResourceNotFound, "Resource not found: " + uri);
    }
};

void AddPrompts(mcp::PromptRegistry& prompts) {
    auto message = [](Json content) {
        return Json{{"role", "user"}, {"content", std::move(content)}};
    };
    prompts.Add(
        {.name = "test_simple_prompt",
         .title = "Simple Test Prompt",
         .description = "A simple prompt without arguments",
         .arguments = {},
         .handler =
             [message](const Json&, const mcp::Session&) {
                 return FeatureResult::Ok(
                     {{"messages", {message(Text("This is a simple prompt for testing."))}}});
             },
         .complete = {},
         .lease_tenant = {}});
    prompts.Add(
        {.name = "test_prompt_with_arguments",
         .title = "Prompt With Arguments",
         .description = "A prompt with required arguments",
         .arguments = {{"arg1", "First test argument", true},
                       {"arg2", "Second test argument", true}},
         .handler =
             [message](const Json& arguments, const mcp::Session&) {
                 return FeatureResult::Ok(
                     {{"messages",
                       {message(Text("Prompt with arguments: arg1='" +
                                     arguments["arg1"].get<std::string>() + "', arg2='" +
                                     arguments["arg2"].get<std::string>() + "'"))}}});
             },
         .complete =
             [](const std::string&, const std::string& value, const Json&, const mcp::Session&) {
                 Json values = Json::array();
                 for (const char* candidate : {"paris", "park", "party", "test", "testing"}) {
                     if (std::string_view(candidate).starts_with(value))
                         values.push_back(candidate);
                 }
                 return FeatureResult::Ok(std::move(values));
             },
         .lease_tenant = {}});
    prompts.Add({.name = "test_prompt_with_embedded_resource",
                 .title = "Prompt With Embedded Resource",
                 .description = "A prompt that includes an embedded resource",
                 .arguments = {{"resourceUri", "URI of the resource to embed", true}},
                 .handler =
                     [message](const Json& arguments, const mcp::Session&) {
                         Json resource = {{"type", "resource"},
                                          {"resource",
                                           {{"uri", arguments["resourceUri"]},
                                            {"mimeType", "text/plain"},
                                            {"text", "Embedded resource content for testing."}}}};
                         return FeatureResult::Ok(
                             {{"messages",
                               {message(std::move(resource)),
                                message(Text("Please process the embedded resource above."))}}});
                     },
                 .complete = {},
                 .lease_tenant = {}});
    prompts.Add(
        {.name = "test_prompt_with_image",
         .title = "Prompt With Image",
         .description = "A prompt that includes image content",
         .arguments = {},
         .handler =
             [message](const Json&, const mcp::Session&) {
                 return FeatureResult::Ok(
                     {{"messages",
                       {message(Image()), message(Text("Please analyze the image above."))}}});
             },
         .complete = {},
         .lease_tenant = {}});
}

}  // namespace

void RegisterFixtures(mcp::ToolRegistry& tools, mcp::ResourceRegistry& resources,
                      mcp::PromptRegistry& prompts) {
    AddTools(tools);
    resources.Add(std::make_unique<TestResources>());
    AddPrompts(prompts);
}

}  // namespace mnemo::conformance

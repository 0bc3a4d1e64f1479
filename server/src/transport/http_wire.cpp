// SPDX-License-Identifier: MIT
#include "transport/http_wire.hpp"

#include <charconv>

namespace mnemo::transport {
namespace {

void AppendHead(std::string& text, std::string_view version, const HttpResponse& head,
                bool chunked) {
    const std::string_view reason =
        head.reason().empty() ? http::obsolete_reason(head.result()) : head.reason();
    text.append(version)
        .append(" ")
        .append(std::to_string(head.result_int()))
        .append(" ")
        .append(reason)
        .append("\r\n");
    for (const auto& field : head) {
        if (chunked && (field.name() == http::field::content_length ||
                        field.name() == http::field::transfer_encoding)) {
            continue;
        }
        text.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
    if (chunked) text.append("Transfer-Encoding: chunked\r\n");
    text.append("\r\n");
}

}  // namespace

std::string SerializeResponse(const HttpResponse& response) {
    std::string text;
    text.reserve(256 + response.body().size());
    AppendHead(text, response.version() == 10 ? "HTTP/1.0" : "HTTP/1.1", response, false);
    return text.append(response.body());
}

std::string SerializeStreamHead(const HttpResponse& head) {
    std::string text;
    AppendHead(text, "HTTP/1.1", head, true);
    return text;
}

std::string Chunk(std::string_view payload) {
    char size[2 * sizeof(std::size_t)];
    const auto end = std::to_chars(size, size + sizeof(size), payload.size(), 16).ptr;
    std::string text(size, end);
    text.reserve(text.size() + payload.size() + 4);
    return text.append("\r\n").append(payload).append("\r\n");
}

}  // namespace mnemo::transport

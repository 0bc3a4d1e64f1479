// SPDX-License-Identifier: MIT
// The bytes of an HTTP/1.1 answer on the wire: a whole response, an SSE stream's head, a chunk.
#pragma once

#include <string>
#include <string_view>

#include "transport/http_exchange.hpp"

namespace mnemo::transport {

/// `response` as Beast's serializer writes it: the status line, its fields in order (call
/// prepare_payload first for Content-Length) and the body. Byte for byte what `operator<<`
/// gives, without the ostream it goes through for every message.
std::string SerializeResponse(const HttpResponse& response);

/// The head of a chunked stream: HTTP/1.1, the status, `head`'s fields except its own framing
/// (Content-Length, Transfer-Encoding), then "Transfer-Encoding: chunked" and the blank line.
std::string SerializeStreamHead(const HttpResponse& head);

/// One chunk of a chunked body carrying `payload` (which must not be empty: an empty chunk
/// ends the body).
std::string Chunk(std::string_view payload);

}  // namespace mnemo::transport

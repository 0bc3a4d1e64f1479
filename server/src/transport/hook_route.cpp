// SPDX-License-Identifier: MIT
// POST /hooks/claude-code.
#include "transport/hook_route.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "transport/http_checks.hpp"

namespace mnemo::transport {
namespace {

HttpResponse JsonReply(const HttpRequest& request, unsigned status, std::string body) {
    HttpResponse response{static_cast<http::status>(status), request.version()};
    if (!body.empty()) response.set(http::field::content_type, "application/json");
    response.body() = std::move(body);
    return response;
}

std::string ErrorBody(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump();
}

}  // namespace

HookRoute::HookRoute(const HttpConfig& http, HookHttpHandler handler,
                     boost::asio::thread_pool& workers, util::AuthFailureLimiter& auth_failures)
    : http_(http), handler_(std::move(handler)), workers_(workers), auth_failures_(auth_failures) {}

void HookRoute::Handle(HttpRequest request, std::shared_ptr<Exchange> exchange) {
    if (request.method() != http::verb::post) {
        HttpResponse response = JsonReply(request, 405, ErrorBody("use POST with a hook event"));
        response.set(http::field::allow, "POST");
        return exchange->Reply(std::move(response));
    }
    HookHttpRequest hook;
    if (http_.require_token) {
        const auto now = std::chrono::steady_clock::now();
        if (const auto wait = auth_failures_.RetryAfter(exchange->client_address(), now);
            wait.count() > 0) {
            HttpResponse response = JsonReply(
                request, 429, ErrorBody("too many failed token attempts from this address"));
            response.set(http::field::retry_after, std::to_string(wait.count()));
            return exchange->Reply(std::move(response));
        }
        const auto authorization = request[http::field::authorization];
        hook.bearer = BearerToken(authorization);
        if (!hook.bearer) {
            if (!authorization.empty())
                auth_failures_.RecordFailure(exchange->client_address(), now);
            HttpResponse response =
                JsonReply(request, 401,
                          ErrorBody("a bearer token is required (Authorization: Bearer <token from "
                                    "`mnemo token create`>)"));
            response.set(http::field::www_authenticate, "Bearer");
            return exchange->Reply(std::move(response));
        }
    }
    hook.body = std::move(request.body());
    boost::asio::post(workers_, [this, request = std::move(request), hook = std::move(hook),
                                 exchange = std::move(exchange)] {
        HookHttpReply reply = handler_(hook);
        if (reply.bad_token) {
            auth_failures_.RecordFailure(exchange->client_address(),
                                         std::chrono::steady_clock::now());
        }
        HttpResponse response = JsonReply(request, reply.status, std::move(reply.body));
        if (reply.status == 401)
            response.set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
        exchange->Reply(std::move(response));
    });
}

}  // namespace mnemo::transport

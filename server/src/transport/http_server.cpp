// SPDX-License-Identifier: MIT
// HttpServer: accept loop, routing, operator endpoints, signals and graceful shutdown.
#include "transport/http_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "transport/http_checks.hpp"
#include "transport/http_connection.hpp"
#include "transport/io_loops.hpp"
#include "transport/mcp_endpoint.hpp"
#include "util/log.hpp"

namespace mnemo::transport {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace beast = boost::beast;
using Json = nlohmann::json;

/// How long /readyz may take: load balancers' probes time out after about a second.
constexpr std::chrono::milliseconds kReadyProbeBudget{900};

/// True when `path` is the route's prefix or lies under it.
bool RouteMatches(const util::Route& route, std::string_view path) {
    return path.substr(0, route.prefix.size()) == route.prefix &&
           (path.size() == route.prefix.size() || path[route.prefix.size()] == '/');
}

class HttpServer final : public RequestHandler, public ConnectionHooks {
public:
    explicit HttpServer(const HttpServices& services)
        : services_(services),
          http_(services.config.http),
          ioc_(1),
          loops_(http_.io_threads),
          workers_(services.config.pool_max_connections + services.config.query_max_connections),
          post_([this](std::function<void()> work) { net::post(workers_, std::move(work)); }),
          endpoint_(services.config, services.dispatcher, services.backend, post_, &loops_,
                    services.auth_failures, services.subscriptions),
          hooks_(http_, services.hooks, workers_, services.auth_failures),
          acceptor_(ioc_),
          signals_(ioc_, SIGINT, SIGTERM),
          drain_timer_(ioc_) {}

    int Run() {
        beast_error_code ec;
        const auto address =
            net::ip::make_address(http_.host == "localhost" ? "127.0.0.1" : http_.host, ec);
        if (ec) return Fail("'" + http_.host + "' is not an IP address: " + ec.message());
        const tcp::endpoint endpoint(address, http_.port);
        protocol_ = endpoint.protocol();
        if (acceptor_.open(endpoint.protocol(), ec); ec) return Fail(ec.message());
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
        if (acceptor_.bind(endpoint, ec); ec) {
            const bool taken = ec == net::error::address_in_use;
            return Fail("cannot listen on " + http_.host + ":" + std::to_string(http_.port) + ": " +
                        ec.message() +
                        (taken ? " (another program listens there; pick another address with "
                                 "--http HOST:PORT, or MNEMO_LISTEN with scripts/run)"
                               : ""));
        }
        if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
            return Fail(ec.message());
        }
        const auto port = acceptor_.local_endpoint().port();
        log::Info("server_started", {{"transport", "http"},
                                     {"version", MNEMO_VERSION},
                                     {"listen", http_.host + ":" + std::to_string(port)},
                                     {"auth", http_.require_token ? "token" : "none"},
                                     {"pool_budget", services_.config.pool_max_connections},
                                     {"io_threads", http_.io_threads}});
        signals_.async_wait([this](beast_error_code error, int signal) {
            if (!error) Shutdown(signal);
        });
        Accept();
        loops_.Start();
        ioc_.run();
        loops_.Stop();
        if (in_flight_.load() > 0) workers_.stop();  // the deadline passed: drop queued work
        workers_.join();
        for (const util::Route& route : services_.routes) {
            if (route.handler != nullptr) route.handler->Stop();
        }
        log::Info("server_stopped", {{"transport", "http"}, {"unfinished", in_flight_.load()}});
        return 0;
    }

    // RequestHandler
    void Handle(HttpRequest request, std::shared_ptr<Exchange> exchange) override;

    // ConnectionHooks
    void RequestStarted() override { in_flight_.fetch_add(1); }
    void RequestFinished(const RequestRecord& record) override {
        in_flight_.fetch_sub(1);
        if (record.status != 0)
            services_.metrics.RecordHttpResponse(static_cast<int>(record.status));
        if (!log::Enabled(log::Level::kInfo)) return;
        log::Info("http_request",
                  {{"method", record.method},
                   {"path", record.target.substr(0, record.target.find('?'))},
                   {"status", record.status},
                   {"elapsed_ms", static_cast<long long>(record.elapsed_ms * 1000) / 1000.0},
                   {"session", SessionLogId(record.session)},
                   {"correlation_id", record.correlation_id},
                   {"stream", record.stream}});
    }
    [[nodiscard]] bool draining() const override { return draining_.load(); }
    [[nodiscard]] util::BodyLimit BodyLimitFor(std::string_view method,
                                               std::string_view path) const override {
        for (const util::Route& route : services_.routes) {
            if (route.handler != nullptr && RouteMatches(route, path)) {
                return route.handler->BodyLimitFor(method, path);
            }
        }
        return {};
    }

private:
    using beast_error_code = boost::system::error_code;

    /// A start-up failure: one plain line, like every other error that stops mnemo at start.
    static int Fail(const std::string& message) {
        std::fprintf(stderr, "mnemo: %s\n", message.c_str());
        return 1;
    }

    void Accept() {
        acceptor_.async_accept([this](beast_error_code ec, tcp::socket socket) {
            if (ec) {
                if (!acceptor_.is_open()) return;
                log::Warning("accept_failed", {{"error", ec.message()}});
            } else {
                Serve(std::move(socket));
            }
            Accept();
        });
    }

    /// Seats an accepted socket on an I/O loop (IoLoops::Assign) and starts its connection;
    /// `pending`: what was already read from it (a connection moving between loops).
    void Serve(tcp::socket accepted, beast::flat_buffer pending = {}) {
        beast_error_code ec;
        const auto handle = accepted.release(ec);
        if (ec) return log::Warning("accept_failed", {{"error", ec.message()}});
        const IoLoops::Seat seat = loops_.Assign();
        tcp::socket socket(net::make_strand(seat.loop));
        if (socket.assign(protocol_, handle, ec); ec) {
            loops_.Release(seat.index);
            ::close(handle);
            return log::Warning("accept_failed", {{"error", ec.message()}});
        }
        ConnectionLimits limits;
        limits.max_body_bytes = http_.max_body_bytes;
        limits.io_timeout = http_.read_timeout;
        // The seat ends when the socket closes (Unseat), not with the object, which a
        // stream's Exchange kept by the endpoint may outlive.
        auto connection = std::make_shared<HttpConnection>(std::move(socket), *this, *this, limits,
                                                           seat.index, std::move(pending));
        Track(connection);
        connection->Start();
    }

    bool Reseat(std::size_t seat, beast::tcp_stream& stream, beast::flat_buffer& pending) override {
        if (!loops_.ShouldReseat(seat)) return false;
        services_.metrics.RecordConnectionMoved();
        Serve(stream.release_socket(), std::move(pending));
        return true;
    }

    void Unseat(std::size_t seat) override { loops_.Release(seat); }

    void Track(const std::shared_ptr<HttpConnection>& connection) {
        std::lock_guard lock(connections_mutex_);
        if (connections_.size() >= 2 * live_hint_ + 64) {
            std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
            live_hint_ = connections_.size();
        }
        connections_.push_back(connection);
    }

    void Shutdown(int signal) {
        log::Info("server_stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"},
                                      {"in_flight", in_flight_.load()}});
        draining_.store(true);
        // On ioc_'s thread, where the accept handler runs: never beside an accept.
        net::dispatch(acceptor_.get_executor(), [this] {
            beast_error_code ignored;
            acceptor_.close(ignored);
        });
        endpoint_.CloseStreams();
        std::vector<std::weak_ptr<HttpConnection>> connections;
        {
            std::lock_guard lock(connections_mutex_);
            connections = connections_;
        }
        for (auto& weak : connections) {
            if (auto connection = weak.lock()) connection->Drain();
        }
        drain_deadline_ = std::chrono::steady_clock::now() + http_.shutdown_timeout;
        WaitForDrain();
    }

    void WaitForDrain() {
        if (in_flight_.load() == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
            // Let the last writes reach their sockets before the loop stops.
            drain_timer_.expires_after(std::chrono::milliseconds(50));
            drain_timer_.async_wait([this](beast_error_code) { ioc_.stop(); });
            return;
        }
        drain_timer_.expires_after(std::chrono::milliseconds(20));
        drain_timer_.async_wait([this](beast_error_code) { WaitForDrain(); });
    }

    HttpResponse Simple(const HttpRequest& request, http::status status, const Json& body) {
        HttpResponse response{status, request.version()};
        response.set(http::field::content_type, "application/json");
        response.body() = body.dump();
        return response;
    }

    /// Hands the request to a route's handler (plain values in and out).
    void Route(util::RouteHandler& handler, HttpRequest request,
               std::shared_ptr<Exchange> exchange);
    void Ready(HttpRequest request, std::shared_ptr<Exchange> exchange);
    void Metrics(HttpRequest request, std::shared_ptr<Exchange> exchange);

    const HttpServices& services_;
    const HttpConfig& http_;
    net::io_context ioc_;  // the acceptor, signals and the drain timer
    IoLoops loops_;        // the connections
    net::thread_pool workers_;
    Post post_;  // runs work on workers_
    McpEndpoint endpoint_;
    HookRoute hooks_;
    tcp::acceptor acceptor_;    // on ioc_'s one thread: accepts and the close never overlap
    tcp protocol_ = tcp::v4();  // the acceptor's
    net::signal_set signals_;
    net::steady_timer drain_timer_;
    std::chrono::steady_clock::time_point drain_deadline_;
    std::atomic<bool> draining_{false};
    std::atomic<std::int64_t> in_flight_{0};
    std::mutex connections_mutex_;
    std::vector<std::weak_ptr<HttpConnection>> connections_;
    std::size_t live_hint_ = 0;
};

void HttpServer::Handle(HttpRequest request, std::shared_ptr<Exchange> exchange) {
    if (!HostAllowed(request[http::field::host], http_)) {
        return exchange->Reply(
            Simple(request, http::status::forbidden,
                   Json::parse(JsonRpcErrorBody(
                       -32000, "Forbidden: Host '" +
                                   std::string(request[http::field::host].substr(0, 200)) +
                                   "' is not allowed (DNS rebinding protection)"))));
    }
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    for (const util::Route& route : services_.routes) {
        if (route.handler != nullptr && RouteMatches(route, path)) {
            return Route(*route.handler, std::move(request), std::move(exchange));
        }
    }
    if (path == "/mcp") return endpoint_.Handle(std::move(request), std::move(exchange));
    if (path == HookRoute::kPath && services_.hooks) {
        return hooks_.Handle(std::move(request), std::move(exchange));
    }
    if (path == "/healthz")
        return exchange->Reply(Simple(request, http::status::ok, {{"status", "ok"}}));
    if (path == "/readyz") return Ready(std::move(request), std::move(exchange));
    if (path == "/metrics") return Metrics(std::move(request), std::move(exchange));
    // Protected-resource metadata only where there is something to protect: with
    // MNEMO_AUTH=none a client that finds it would look for an authorization server.
    if (http_.require_token && (path == "/.well-known/oauth-protected-resource" ||
                                path == "/.well-known/oauth-protected-resource/mcp")) {
        const std::string base = endpoint_.BaseUrl(request);
        return exchange->Reply(Simple(request, http::status::ok,
                                      {{"resource", base + "/mcp"},
                                       {"resource_name", "mnemo"},
                                       {"bearer_methods_supported", {"header"}},
                                       {"scopes_supported", {"read", "write"}}}));
    }
    exchange->Reply(Simple(
        request, http::status::not_found,
        {{"error", "not found"}, {"endpoints", {"/mcp", "/healthz", "/readyz", "/metrics"}}}));
}

void HttpServer::Route(util::RouteHandler& handler, HttpRequest request,
                       std::shared_ptr<Exchange> exchange) {
    util::RouteRequest routed;
    routed.method = std::string(request.method_string());
    routed.target = std::string(request.target());
    routed.path = routed.target.substr(0, routed.target.find('?'));
    for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        routed.headers.emplace(std::move(name), std::string(field.value()));
    }
    routed.body = std::move(request.body());
    routed.client_address = exchange->client_address();
    handler.Handle(std::move(routed),
                   [exchange, version = request.version()](util::RouteResponse answer) {
                       HttpResponse response{static_cast<http::status>(answer.status), version};
                       for (auto& [name, value] : answer.headers) response.insert(name, value);
                       response.body() = std::move(answer.body);
                       exchange->Reply(std::move(response));
                   });
}

void HttpServer::Ready(HttpRequest request, std::shared_ptr<Exchange> exchange) {
    // Probes give up after about a second: answer within it.
    services_.backend.Readiness(
        post_, kReadyProbeBudget,
        [this, request = std::move(request), exchange](bool ready, const Json& body) {
            exchange->Reply(Simple(
                request, ready ? http::status::ok : http::status::service_unavailable, body));
        });
}

void HttpServer::Metrics(HttpRequest request, std::shared_ptr<Exchange> exchange) {
    // On a worker: the backend counts live sessions on this thread when a connection is free.
    post_([this, version = request.version(), exchange,
           open = static_cast<std::int64_t>(loops_.connections())] {
        services_.backend.MetricsText(
            post_, open, static_cast<std::int64_t>(services_.dispatcher.waiting_client_requests()),
            [version, exchange](std::string text) {
                HttpResponse response{http::status::ok, version};
                response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
                response.body() = std::move(text);
                exchange->Reply(std::move(response));
            });
    });
}

}  // namespace

int RunHttp(const HttpServices& services) {
    std::signal(SIGPIPE, SIG_IGN);
    HttpServer server(services);
    return server.Run();
}

}  // namespace mnemo::transport

// SPDX-License-Identifier: GPL-3.0-or-later
#include "http_server.h"

#include "data_plane.h" // ResourceError

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace modemd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kBodyLimit = 64 * 1024;
constexpr uint32_t kHeaderLimit = 8 * 1024;
// A client has this long to send its request line and headers: a connection that sends
// nothing holds a descriptor and a session slot for no longer than this.
constexpr auto kHeaderTimeout = std::chrono::seconds(5);
constexpr auto kTimeout = std::chrono::seconds(10);
// After a failed accept() (no descriptors left): wait instead of retrying at once, which
// would spin a core and starve the sessions that could free descriptors.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
constexpr size_t kEvictBatch = 32;

} // namespace

class Session;

struct HttpServer::Impl {
    Impl(ControlApi& a, size_t max) : api(a), max_sessions(max), acceptor(io), backoff(io) {}
    ControlApi& api;
    const size_t max_sessions;

    // Live sessions in accept order (the oldest first). Touched from the I/O thread and
    // from session destructors, which may run on the worker or when `io` is destroyed:
    // declared before `io` so that they outlive it.
    std::mutex sessions_mutex;
    std::list<std::weak_ptr<Session>> sessions;
    std::atomic<uint64_t> accept_errors{ 0 }, evicted{ 0 }, refused{ 0 };

    asio::io_context io;
    tcp::acceptor acceptor;
    asio::steady_timer backoff;
    asio::thread_pool worker{ 1 }; // POST handlers: one control action at a time anyway
    std::thread thread;
    std::string host;
    uint16_t port = 0;

    void accept();
    void admit(tcp::socket s);
    bool evict_idle();
};

namespace {

// A fixed answer written without a session, for a connection there is no room for.
void refuse_busy(tcp::socket& s)
{
    static const char kBusy[] =
        "HTTP/1.1 503 Service Unavailable\r\nServer: dualsat-modemd\r\nContent-Type: "
        "application/json\r\nContent-Length: 44\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        "{\"error\":\"too many connections, try again\"}\n";
    beast::error_code ec;
    s.non_blocking(true, ec);
    s.write_some(asio::buffer(kBusy, sizeof kBusy - 1), ec); // best effort
    s.close(ec);
}

} // namespace

class Session : public std::enable_shared_from_this<Session>
{
public:
    Session(tcp::socket socket, HttpServer::Impl& server)
        : m_stream(std::move(socket)), m_server(server)
    {
    }

    ~Session()
    {
        std::lock_guard<std::mutex> lock(m_server.sessions_mutex);
        m_server.sessions.erase(m_self);
    }

    void registered(std::list<std::weak_ptr<Session>>::iterator self) { m_self = self; }
    bool waiting_for_headers() const { return m_waiting_for_headers.load(); }

    void run()
    {
        m_parser.emplace();
        m_parser->header_limit(kHeaderLimit);
        m_parser->body_limit(kBodyLimit);
        m_stream.expires_after(kHeaderTimeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = shared_from_this()](beast::error_code ec, size_t) {
                                    self->on_header(ec);
                                });
    }

    // Called on the I/O thread to make room: the pending read ends with an error and the
    // session goes away with its last handler.
    void close()
    {
        beast::error_code ec;
        m_stream.socket().close(ec);
    }

private:
    HttpRequest request_without_body() const
    {
        const auto& req = m_parser->get();
        HttpRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        if (auto it = req.find(http::field::authorization); it != req.end())
            r.authorization = std::string(it->value());
        return r;
    }

    void on_header(beast::error_code ec)
    {
        m_waiting_for_headers = false;
        if (ec == http::error::header_limit) {
            respond(431, "{\"error\":\"request headers too large (8 KiB at most)\"}\n", "application/json", {});
            return;
        }
        if (ec == http::error::body_limit) { // a Content-Length above the limit
            respond(413, "{\"error\":\"request body too large (64 KiB at most)\"}\n", "application/json", {});
            return;
        }
        if (ec)
            return; // timeout, reset, malformed: drop the connection
        HttpRequest r = request_without_body();
        // The token is checked before a body is read: without it a client cannot make the
        // daemon buffer anything.
        if (m_server.api.access(r) != 0) {
            HttpResponse out = m_server.api.handle(r); // 401/403, counted
            respond(out.status, std::move(out.body), out.content_type, out.headers);
            return;
        }
        m_stream.expires_after(kTimeout);
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec)
    {
        if (ec == http::error::body_limit) {
            respond(413, "{\"error\":\"request body too large (64 KiB at most)\"}\n", "application/json", {});
            return;
        }
        if (ec)
            return;
        HttpRequest r = request_without_body();
        r.body = m_parser->get().body();
        const bool head = m_parser->get().method() == http::verb::head;
        if (r.method == "GET" || head) {
            answer(m_server.api.handle(r), head);
            return;
        }
        // A POST may wait for the transmitter (a MODCOD change is answered once taken):
        // run it on the worker and answer from the I/O thread when done.
        m_stream.expires_never(); // the worker's own timeout bounds it
        asio::post(m_server.worker, [self = shared_from_this(), r = std::move(r)]() mutable {
            HttpResponse out = self->m_server.api.handle(r);
            auto exec = self->m_stream.get_executor();
            asio::post(exec, [self = std::move(self), out = std::move(out)]() mutable {
                self->answer(std::move(out), false);
            });
        });
    }

    void answer(HttpResponse out, bool head)
    {
        if (head)
            out.body.clear();
        respond(out.status, std::move(out.body), out.content_type, out.headers);
    }

    void respond(int status,
                 std::string body,
                 const std::string& content_type,
                 const std::vector<std::pair<std::string, std::string>>& headers)
    {
        auto res = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(status), 11);
        res->set(http::field::server, "dualsat-modemd");
        res->set(http::field::content_type, content_type);
        res->set(http::field::cache_control, "no-store");
        for (const auto& h : headers)
            res->set(h.first, h.second);
        res->keep_alive(false);
        res->body() = std::move(body);
        res->prepare_payload();
        m_stream.expires_after(kTimeout);
        http::async_write(m_stream, *res,
                          [self = shared_from_this(), res](beast::error_code, size_t) {
                              beast::error_code ignored;
                              self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          });
    }

    beast::tcp_stream m_stream;
    HttpServer::Impl& m_server;
    beast::flat_buffer m_buffer{ kHeaderLimit + kBodyLimit };
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::atomic<bool> m_waiting_for_headers{ true };
    std::list<std::weak_ptr<Session>>::iterator m_self;
};

bool HttpServer::Impl::evict_idle()
{
    std::shared_ptr<Session> victim;
    {
        std::lock_guard<std::mutex> lock(sessions_mutex);
        for (auto& w : sessions)
            if (auto s = w.lock(); s && s->waiting_for_headers()) {
                victim = std::move(s);
                break;
            }
    }
    if (!victim)
        return false;
    victim->close();
    ++evicted;
    return true;
}

void HttpServer::Impl::admit(tcp::socket s)
{
    size_t live;
    {
        std::lock_guard<std::mutex> lock(sessions_mutex);
        live = sessions.size();
    }
    // Full: an idle connection (no complete headers yet) makes room, so a flood of silent
    // connections cannot lock out a real client; if every slot is busy with a request,
    // the newcomer is told to come back.
    if (live >= max_sessions && !evict_idle()) {
        ++refused;
        refuse_busy(s);
        return;
    }
    auto session = std::make_shared<Session>(std::move(s), *this);
    {
        std::lock_guard<std::mutex> lock(sessions_mutex);
        session->registered(sessions.insert(sessions.end(), session));
    }
    session->run();
}

void HttpServer::Impl::accept()
{
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
        if (!acceptor.is_open())
            return;
        if (!ec) {
            admit(std::move(s));
            accept();
            return;
        }
        if (ec == asio::error::connection_aborted) { // the client gave up: nothing wrong here
            accept();
            return;
        }
        ++accept_errors;
        // Out of descriptors (EMFILE/ENFILE): free some by closing idle connections (a
        // batch, so that a client queued behind a flood gets in soon) and accept again;
        // with nothing to close, or another error, wait instead of spinning on it.
        if (ec == asio::error::no_descriptors ||
            ec == beast::errc::make_error_code(beast::errc::too_many_files_open_in_system)) {
            size_t freed = 0;
            while (freed < kEvictBatch && evict_idle())
                ++freed;
            if (freed) {
                accept();
                return;
            }
        }
        backoff.expires_after(kAcceptBackoff);
        backoff.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec && acceptor.is_open())
                accept();
        });
    });
}

HttpServer::HttpServer(ControlApi& api, const std::string& bind, uint16_t port, size_t max_connections)
    : m_impl(std::make_unique<Impl>(api, max_connections < 1 ? 1 : max_connections))
{
    const std::string host = bind == "localhost" ? "127.0.0.1" : bind;
    m_impl->host = host;
    beast::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec)
        throw ResourceError("control.bind: '" + bind + "' is not an address");
    tcp::endpoint ep(addr, port);
    auto& a = m_impl->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec)
        a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        a.bind(ep, ec);
    if (!ec)
        a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw ResourceError("control: cannot listen on " + host + ":" + std::to_string(port) +
                            ": " + ec.message());
    m_impl->port = a.local_endpoint().port();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start()
{
    m_impl->accept();
    m_impl->thread = std::thread([this] {
        // A handler that throws must not end the control API (or, escaping the thread,
        // the daemon): log it and go on.
        for (;;) {
            try {
                m_impl->io.run();
                return;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "dualsat-modemd: control API handler failed: %s\n", e.what());
            } catch (...) {
                std::fprintf(stderr, "dualsat-modemd: control API handler failed\n");
            }
        }
    });
    // Named so that an operator (and the tests) can see this thread's CPU time apart.
    ::pthread_setname_np(m_impl->thread.native_handle(), "modemd-http");
}

void HttpServer::stop()
{
    if (!m_impl)
        return;
    asio::post(m_impl->io, [this] {
        beast::error_code ec;
        m_impl->acceptor.close(ec);
        m_impl->backoff.cancel();
    });
    m_impl->io.stop();
    if (m_impl->thread.joinable())
        m_impl->thread.join();
    m_impl->worker.stop();
    m_impl->worker.join();
}

uint16_t HttpServer::port() const { return m_impl->port; }

std::string HttpServer::url() const
{
    const std::string& h = m_impl->host;
    return "http://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" +
           std::to_string(port());
}

HttpServer::Counters HttpServer::counters() const
{
    return { m_impl->accept_errors.load(), m_impl->evicted.load(), m_impl->refused.load() };
}

} // namespace modemd

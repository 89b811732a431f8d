#include "http_server.h"

#include "data_plane.h" // ResourceError

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <thread>

namespace modemd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kBodyLimit = 64 * 1024;
constexpr auto kTimeout = std::chrono::seconds(10);

class Session : public std::enable_shared_from_this<Session>
{
public:
    Session(tcp::socket socket, ControlApi& api) : m_stream(std::move(socket)), m_api(api) {}

    void run()
    {
        m_parser.emplace();
        m_parser->body_limit(kBodyLimit);
        m_stream.expires_after(kTimeout);
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

private:
    void on_read(beast::error_code ec)
    {
        if (ec == http::error::body_limit) {
            respond(413, "{\"error\":\"request body too large\"}\n", "application/json", {});
            return;
        }
        if (ec)
            return; // timeout, reset, malformed: drop the connection
        const auto& req = m_parser->get();
        HttpRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.body = req.body();
        if (auto it = req.find(http::field::authorization); it != req.end())
            r.authorization = std::string(it->value());
        HttpResponse out = m_api.handle(r);
        if (req.method() == http::verb::head)
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
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    ControlApi& m_api;
};

} // namespace

struct HttpServer::Impl {
    Impl(ControlApi& a) : api(a), acceptor(io) {}
    ControlApi& api;
    asio::io_context io;
    tcp::acceptor acceptor;
    std::thread thread;
    std::string host;
    uint16_t port = 0;

    void accept()
    {
        acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
            if (!ec)
                std::make_shared<Session>(std::move(s), api)->run();
            if (acceptor.is_open())
                accept();
        });
    }
};

HttpServer::HttpServer(ControlApi& api, const std::string& bind, uint16_t port)
    : m_impl(std::make_unique<Impl>(api))
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
    m_impl->thread = std::thread([this] { m_impl->io.run(); });
}

void HttpServer::stop()
{
    if (!m_impl)
        return;
    asio::post(m_impl->io, [this] {
        beast::error_code ec;
        m_impl->acceptor.close(ec);
    });
    m_impl->io.stop();
    if (m_impl->thread.joinable())
        m_impl->thread.join();
}

uint16_t HttpServer::port() const { return m_impl->port; }

std::string HttpServer::url() const
{
    const std::string& h = m_impl->host;
    return "http://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" +
           std::to_string(port());
}

} // namespace modemd

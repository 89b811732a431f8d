// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: raw HTTP/1.1 request bytes, as a client sends them to dualsat-modemd's
// control port, through Boost.Beast's request parser into ControlApi::handle and back out
// as a serialised response: the daemon's HttpServer session without the socket.
// The session (apps/dualsat-modemd/http_server.cc) lives in an anonymous namespace, so
// the steps between the parser and the API are repeated here as it does them: a
// request_parser<string_body> with a 64 KiB body limit (413 when exceeded, any other
// parse error drops the connection), method/target/Authorization/body copied into an
// HttpRequest, HEAD replies without body, the reply built as http::response with the
// API's status, content type and headers. Keep the two in step.
// Input: byte 0 bit 0 turns bearer-token authentication on; the rest is what the client
// sends before closing its side.
// Invariants: those of control_api_checks.h, and the serialised reply parses as an HTTP
// response with the same status and body.

#include "control_api_checks.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sstream>

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr size_t kBodyLimit = 64 * 1024; // as http_server.cc

// The client's bytes into the parser, then end of stream (the client closed its side).
void feed(http::request_parser<http::string_body>& p, const uint8_t* data, size_t size,
          beast::error_code& ec)
{
    size_t off = 0;
    while (!p.is_done()) {
        if (off >= size) {
            p.put_eof(ec);
            return;
        }
        const size_t n = p.put(boost::asio::buffer(data + off, size - off), ec);
        off += n;
        if (ec == http::error::need_more)
            ec = {};
        else if (ec)
            return;
        if (n == 0) { // no progress with everything the client sent: it is all there is
            p.put_eof(ec);
            return;
        }
    }
}

void check_wire_response(const modemd::HttpResponse& out, bool head)
{
    http::response<http::string_body> res{ static_cast<http::status>(out.status), 11 };
    res.set(http::field::server, "dualsat-modemd");
    res.set(http::field::content_type, out.content_type);
    res.set(http::field::cache_control, "no-store");
    for (const auto& h : out.headers)
        res.set(h.first, h.second);
    res.keep_alive(false);
    res.body() = head ? std::string() : out.body;
    res.prepare_payload();
    std::ostringstream os;
    os << res;
    const std::string wire = os.str();

    http::response_parser<http::string_body> rp;
    rp.body_limit(1u << 24);
    beast::error_code ec;
    size_t off = 0;
    while (!rp.is_done() && !ec) {
        const size_t n = rp.put(boost::asio::buffer(wire.data() + off, wire.size() - off), ec);
        off += n;
        if (ec == http::error::need_more && n > 0)
            ec = {};
    }
    FUZZ_CHECK(!ec && rp.is_done());
    FUZZ_CHECK(rp.get().result_int() == static_cast<unsigned>(out.status));
    FUZZ_CHECK(rp.get().body() == res.body());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const bool token_on = data[0] & 1;
    fuzz::FakeModem modem;
    modemd::ControlApi api(modem, token_on ? fuzz::kToken : "");

    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    beast::error_code ec;
    try {
        feed(parser, data + 1, size - 1, ec);
    } catch (const std::exception& e) {
        fuzz::fail_exception("Beast request parser", e);
    }
    modemd::HttpResponse out;
    bool head = false;
    if (ec == http::error::body_limit) {
        out.status = 413;
        out.body = "{\"error\":\"request body too large\"}\n";
    } else if (ec || !parser.is_done()) {
        return 0; // the session drops the connection
    } else {
        const auto& req = parser.get();
        modemd::HttpRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.body = req.body();
        if (auto it = req.find(http::field::authorization); it != req.end())
            r.authorization = std::string(it->value());
        if (!fuzz::handle_checked(api, modem, r, token_on, out))
            return 0;
        head = req.method() == http::verb::head;
    }
    try {
        check_wire_response(out, head);
    } catch (const std::exception& e) {
        fuzz::fail_exception("serialising the reply", e);
    }
    return 0;
}

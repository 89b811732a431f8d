// SPDX-License-Identifier: GPL-3.0-or-later
#include "control_api.h"

#include "console.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace modemd {

using nlohmann::json;

namespace {

HttpResponse json_response(int status, const json& body)
{
    HttpResponse r;
    r.status = status;
    // Strings in a body can come from the request (a path, a parser message quoting the
    // input): invalid UTF-8 there is replaced (U+FFFD), never a type_error 316 thrown.
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
}

HttpResponse error_response(int status, const std::string& message)
{
    return json_response(status, json{ { "error", message } });
}

bool valid_metric_name(const std::string& n)
{
    if (n.empty())
        return false;
    for (size_t i = 0; i < n.size(); ++i) {
        char c = n[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

std::string format_value(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    char buf[40];
    if (v == std::floor(v) && std::abs(v) < 9.007199254740992e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string escape_label(const std::string& v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// Parses a JSON object body; on failure fills `error`.
bool parse_body(const std::string& body, json& out, std::string& error)
{
    try {
        out = json::parse(body.empty() ? std::string("{}") : body);
    } catch (const json::out_of_range& e) {
        // A number literal beyond double range, e.g. 1e400 (nlohmann out_of_range.406).
        error = std::string("body has a number out of range: ") + e.what();
        return false;
    } catch (const json::exception& e) {
        // Syntax errors and invalid UTF-8 inside strings (parse_error.101).
        error = std::string("body is not valid JSON (UTF-8): ") + e.what();
        return false;
    }
    if (!out.is_object()) {
        error = "body must be a JSON object";
        return false;
    }
    return true;
}

HttpResponse from_result(const ControlResult& r)
{
    if (!r.error.empty() || r.status >= 400)
        return error_response(r.status, r.error);
    return json_response(r.status, r.body);
}

// Number field that may also be given as a string ("1e6").
bool number_field(const json& body, const char* name, double& out, std::string& error)
{
    auto it = body.find(name);
    if (it == body.end()) {
        error = std::string("field '") + name + "' (number) is required";
        return false;
    }
    if (it->is_number()) {
        out = it->get<double>();
    } else if (it->is_string()) {
        try {
            size_t used = 0;
            out = std::stod(it->get<std::string>(), &used);
            if (used != it->get<std::string>().size())
                throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            error = std::string("field '") + name + "' must be a number";
            return false;
        }
    } else {
        error = std::string("field '") + name + "' must be a number";
        return false;
    }
    if (!std::isfinite(out)) {
        error = std::string("field '") + name + "' must be finite";
        return false;
    }
    return true;
}

bool direction_field(const json& body, std::string& dir, std::string& error)
{
    dir = "tx";
    auto it = body.find("direction");
    if (it == body.end())
        return true;
    if (!it->is_string() || (it->get<std::string>() != "tx" && it->get<std::string>() != "rx")) {
        error = "field 'direction' must be \"tx\" or \"rx\"";
        return false;
    }
    dir = it->get<std::string>();
    return true;
}

HttpResponse console_page()
{
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body.assign(kConsolePage, kConsolePageSize);
    // Only the page's own inline script and style run; it talks to this daemon only.
    r.headers.emplace_back("Content-Security-Policy", kConsoleContentSecurityPolicy);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
}

// GET /symbols?n=N: N in 1..SymbolCapture::kCapacity, 1024 when absent.
bool symbols_count(const std::string& target, size_t& n, std::string& error)
{
    n = 1024;
    const size_t q = target.find('?');
    if (q == std::string::npos)
        return true;
    const std::string query = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
        const size_t amp = std::min(query.find('&', pos), query.size());
        const std::string item = query.substr(pos, amp - pos);
        if (item.rfind("n=", 0) == 0) {
            const std::string v = item.substr(2);
            const bool digits = !v.empty() && v.size() <= 6 &&
                                std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
            const unsigned long value = digits ? std::stoul(v) : 0;
            if (!digits || value < 1 || value > SymbolCapture::kCapacity) {
                error = "n must be an integer in 1.." + std::to_string(SymbolCapture::kCapacity);
                return false;
            }
            n = value;
        }
        pos = amp + 1;
    }
    return true;
}

} // namespace

bool secrets_equal(const std::string& a, const std::string& b)
{
    // Length leaks, content does not: compare all bytes of the longer.
    const size_t n = std::max(a.size(), b.size());
    unsigned diff = static_cast<unsigned>(a.size() ^ b.size());
    for (size_t i = 0; i < n; ++i) {
        unsigned ca = i < a.size() ? static_cast<unsigned char>(a[i]) : 0u;
        unsigned cb = i < b.size() ? static_cast<unsigned char>(b[i]) : 0u;
        diff |= ca ^ cb;
    }
    return diff == 0;
}

ControlApi::ControlApi(ModemControl& modem, std::string token, std::string read_token)
    : m_modem(modem), m_token(std::move(token)), m_read_token(m_token.empty() ? std::string() : std::move(read_token))
{
}

int ControlApi::access(const HttpRequest& req) const
{
    if (public_request(req) || authorized(req.authorization))
        return 0;
    if (m_read_token.empty() || !bearer_matches(req.authorization, m_read_token))
        return 401;
    return req.method == "GET" || req.method == "HEAD" ? 0 : 403;
}

bool ControlApi::public_request(const HttpRequest& req)
{
    if (req.method != "GET" && req.method != "HEAD")
        return false;
    const std::string path = req.target.substr(0, req.target.find('?'));
    return path == "/console" || path == "/console/";
}

bool ControlApi::authorized(const std::string& header) const
{
    return m_token.empty() || bearer_matches(header, m_token);
}

bool ControlApi::bearer_matches(const std::string& header, const std::string& token)
{
    static const std::string scheme = "Bearer ";
    if (header.size() <= scheme.size())
        return false;
    for (size_t i = 0; i < scheme.size(); ++i) // scheme is case-insensitive (RFC 7235)
        if (std::tolower(static_cast<unsigned char>(header[i])) !=
            std::tolower(static_cast<unsigned char>(scheme[i])))
            return false;
    return secrets_equal(header.substr(scheme.size()), token);
}

HttpResponse ControlApi::handle(const HttpRequest& req)
{
    // Everything that looks at the request is inside the try: no input may throw past
    // here (an exception escaping would end the HTTP thread, and with it the daemon).
    try {
        return route(req);
    } catch (const std::exception& e) {
        return error_response(500, std::string("internal error: ") + e.what());
    } catch (...) {
        return error_response(500, "internal error");
    }
}

HttpResponse ControlApi::route(const HttpRequest& req)
{
    ++m_requests;
    const int refused = access(req);
    if (refused == 403) // a valid token, not allowed this: not counted as unauthorised
        return error_response(403, "this token may only read (control.read_token_file)");
    if (refused) {
        ++m_unauthorized;
        HttpResponse r = error_response(401, "missing or wrong bearer token");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dualsat-modemd\"");
        return r;
    }
    std::string path = req.target.substr(0, req.target.find('?'));
    if (path.size() > 1 && path.back() == '/')
        path.pop_back();

    struct Route {
        const char* path;
        const char* method;
    };
    static const Route routes[] = { { "/", "GET" },            { "/status", "GET" },
                                    { "/metrics", "GET" },     { "/modcod", "POST" },
                                    { "/gain", "POST" },       { "/frequency", "POST" },
                                    { "/acm/report", "POST" }, { "/acm", "POST" },
                                    { "/channel", "POST" },
                                    { "/protect/epoch", "POST" }, { "/protect/reload", "POST" },
                                    { "/console", "GET" },     { "/symbols", "GET" },
                                    { "/spectrum", "GET" } };
    const Route* route = nullptr;
    for (const auto& r : routes)
        if (path == r.path)
            route = &r;
    if (!route)
        return error_response(404, "no such endpoint: " + path);
    const bool head = req.method == "HEAD" && std::string(route->method) == "GET";
    if (req.method != route->method && !head) {
        HttpResponse r = error_response(405, path + " takes " + route->method);
        r.headers.emplace_back("Allow", route->method);
        return r;
    }

    {
        if (path == "/") {
            return json_response(200, json{ { "endpoints",
                                              { "GET /status", "GET /metrics", "POST /modcod",
                                                "POST /gain", "POST /frequency", "POST /acm/report", "POST /acm",
                                                "POST /channel", "POST /protect/epoch",
                                                "POST /protect/reload", "GET /console", "GET /symbols",
                                                "GET /spectrum" } } });
        }
        if (path == "/console")
            return console_page();
        if (path == "/symbols") {
            size_t n = 0;
            std::string error;
            if (!symbols_count(req.target, n, error))
                return error_response(400, error);
            json j = m_modem.recent_symbols(n);
            if (j.is_null())
                return error_response(404, "no receiver in this daemon (radio.direction is tx)");
            return json_response(200, j);
        }
        if (path == "/spectrum") {
            json j = m_modem.spectrum();
            if (j.is_null())
                return error_response(404, "no receiver in this daemon (radio.direction is tx)");
            return json_response(200, j);
        }
        if (path == "/status") {
            json s = m_modem.status();
            // What this request's token may do: the console disables its controls for "read".
            if (s.is_object() && s.contains("control") && s["control"].is_object())
                s["control"]["access"] = authorized(req.authorization) ? "full" : "read";
            return json_response(200, s);
        }
        if (path == "/metrics") {
            HttpResponse r;
            r.content_type = "text/plain; version=0.0.4; charset=utf-8";
            r.body = m_modem.metrics();
            return r;
        }

        // The body is the binary wire report (application/octet-stream), not JSON.
        if (path == "/acm/report")
            return from_result(m_modem.acm_report(req.body));

        json body;
        std::string error;
        if (!parse_body(req.body, body, error))
            return error_response(400, error);

        if (path == "/acm")
            return from_result(m_modem.set_acm(body));

        if (path == "/protect/reload")
            return from_result(m_modem.reload_keys());
        if (path == "/protect/epoch") {
            auto it = body.find("epoch");
            if (it == body.end() || !it->is_number_integer() ||
                (it->is_number_unsigned() ? it->get<uint64_t>() > 0xFFFFFFFFull
                                          : it->get<int64_t>() < 0 || it->get<int64_t>() > 0xFFFFFFFFll))
                return error_response(400, "field 'epoch' (an integer 0..4294967295) is required");
            return from_result(m_modem.set_epoch(it->is_number_unsigned()
                                                     ? static_cast<int64_t>(it->get<uint64_t>())
                                                     : it->get<int64_t>()));
        }

        if (path == "/channel") {
            double esn0;
            if (!number_field(body, "esn0_db", esn0, error))
                return error_response(400, error);
            return from_result(m_modem.set_channel(esn0));
        }

        if (path == "/modcod") {
            auto it = body.find("modcod");
            if (it == body.end() || !it->is_string())
                return error_response(400, "field 'modcod' (string, e.g. \"8PSK 3/5\") is required");
            std::optional<std::string> frame;
            std::optional<bool> pilots;
            if (auto f = body.find("frame"); f != body.end()) {
                if (!f->is_string())
                    return error_response(400, "field 'frame' must be \"normal\" or \"short\"");
                frame = f->get<std::string>();
            }
            if (auto p = body.find("pilots"); p != body.end()) {
                if (!p->is_boolean())
                    return error_response(400, "field 'pilots' must be true or false");
                pilots = p->get<bool>();
            }
            return from_result(m_modem.set_modcod(it->get<std::string>(), frame, pilots));
        }
        std::string dir;
        if (!direction_field(body, dir, error))
            return error_response(400, error);
        if (path == "/gain") {
            double g;
            if (!number_field(body, "gain_db", g, error))
                return error_response(400, error);
            return from_result(m_modem.set_gain(g, dir));
        }
        double f;
        if (!number_field(body, "freq_hz", f, error))
            return error_response(400, error);
        return from_result(m_modem.set_frequency(f, dir));
    }
}

void PrometheusText::add(const std::string& name,
                         const std::string& type,
                         const std::string& help,
                         double value,
                         const Labels& labels)
{
    if (!valid_metric_name(name))
        throw std::invalid_argument("bad metric name '" + name + "'");
    if (type != "counter" && type != "gauge")
        throw std::invalid_argument("bad metric type '" + type + "'");
    auto it = m_index.find(name);
    if (it == m_index.end()) {
        it = m_index.emplace(name, m_families.size()).first;
        m_families.push_back({ name, type, help, {} });
    } else if (m_families[it->second].type != type) {
        throw std::invalid_argument("metric '" + name + "' added with two types");
    }
    std::string line = name;
    if (!labels.empty()) {
        line += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
            if (!valid_metric_name(labels[i].first))
                throw std::invalid_argument("bad label name '" + labels[i].first + "'");
            line += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + '"';
        }
        line += '}';
    }
    line += ' ' + format_value(value) + '\n';
    m_families[it->second].samples += line;
}

std::string PrometheusText::text() const
{
    std::string out;
    for (const auto& f : m_families) {
        std::string help;
        for (char c : f.help)
            help += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
        out += "# HELP " + f.name + " " + help + "\n# TYPE " + f.name + " " + f.type + "\n";
        out += f.samples;
    }
    return out;
}

} // namespace modemd

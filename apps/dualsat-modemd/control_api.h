// SPDX-License-Identifier: GPL-3.0-or-later
// The control API of dualsat-modemd, independent of the HTTP transport and of GNU Radio:
// authentication, routing, JSON bodies and the Prometheus text format. The Beast server
// (http_server.h) feeds it requests; unit tests feed it directly.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace modemd {

struct HttpRequest {
    std::string method; // "GET", "POST", ...
    std::string target; // "/status?x=1"
    std::string authorization; // the Authorization header ("" if absent)
    std::string body;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// Outcome of a control action: HTTP status plus either a JSON body or an error message.
struct ControlResult {
    int status = 200;
    std::string error;
    nlohmann::json body = nlohmann::json::object();

    static ControlResult ok(nlohmann::json b) { return { 200, "", std::move(b) }; }
    static ControlResult fail(int status, std::string msg) { return { status, std::move(msg), {} }; }
};

// What the API acts on; the daemon implements it (and tests fake it).
class ModemControl
{
public:
    virtual ~ModemControl() = default;
    virtual nlohmann::json status() = 0;
    virtual std::string metrics() = 0; // Prometheus text exposition format
    virtual ControlResult set_modcod(const std::string& modcod,
                                     const std::optional<std::string>& frame,
                                     const std::optional<bool>& pilots) = 0;
    virtual ControlResult set_gain(double gain_db, const std::string& direction) = 0;
    virtual ControlResult set_frequency(double freq_hz, const std::string& direction) = 0;
    // POST /acm/report: one 35-byte link report (wire format, dualsat/acm/link_report.h).
    virtual ControlResult acm_report(const std::string& /*body*/)
    {
        return ControlResult::fail(409, "this daemon takes no link reports");
    }
    // POST /acm: any subset of the ACM controller's settings (acm_loop.h AcmLoop::set_settings).
    virtual ControlResult set_acm(const nlohmann::json& /*settings*/)
    {
        return ControlResult::fail(409, "acm.mode is fixed: there is no ACM controller to set");
    }
    // POST /channel: the emulated channel's Es/N0 (a lab/test seam).
    virtual ControlResult set_channel(double /*esn0_db*/)
    {
        return ControlResult::fail(409, "no emulated channel");
    }
    // POST /protect/epoch, POST /protect/reload: the protected profile's command-mode
    // epoch and key-file reload (modem.h).
    virtual ControlResult set_epoch(int64_t /*epoch*/)
    {
        return ControlResult::fail(409, "modem.profile is civil: there are no epochs");
    }
    virtual ControlResult reload_keys()
    {
        return ControlResult::fail(409, "modem.profile is civil: there are no keys");
    }
    // Operator console data (console.h): the last n (1..4096) received symbols, the input
    // spectrum. Null when there is none (no receiver): answered 404.
    virtual nlohmann::json recent_symbols(size_t /*n*/) { return nullptr; }
    virtual nlohmann::json spectrum() { return nullptr; }
};

class ControlApi
{
public:
    // An empty token disables authentication (only allowed on loopback binds; the config
    // validator enforces that).
    // `read_token` (optional, needs a token): allows GET/HEAD only; other methods with it
    // are refused with 403.
    ControlApi(ModemControl& modem, std::string token, std::string read_token = {});

    // Never throws: any request, however malformed (invalid UTF-8 in the path or body,
    // numbers beyond double range), gets a 4xx/5xx JSON answer.
    HttpResponse handle(const HttpRequest& request);
    // True if `authorization` (the header's value) carries the token; the HTTP server
    // checks it as soon as the headers are read, before reading a body.
    bool authorized(const std::string& authorization) const;
    // True for the one request answered without a token: GET/HEAD /console, the page
    // itself (static, no data: a browser cannot attach a bearer token to a navigation;
    // the page sends the token with every request it makes).
    static bool public_request(const HttpRequest& request);
    // 0 if `request` may go on, else the status it gets (401 no/wrong token, 403 the
    // read-only token on a request that would change something). Headers only: the HTTP
    // server asks before reading a body.
    int access(const HttpRequest& request) const;

    uint64_t requests() const { return m_requests.load(); }
    uint64_t unauthorized() const { return m_unauthorized.load(); }

private:
    HttpResponse route(const HttpRequest& request);
    static bool bearer_matches(const std::string& header, const std::string& token);

    ModemControl& m_modem;
    std::string m_token;
    std::string m_read_token;
    std::atomic<uint64_t> m_requests{ 0 }, m_unauthorized{ 0 };
};

// Constant-time comparison for secrets (time does not depend on where they differ).
bool secrets_equal(const std::string& a, const std::string& b);

// Builds Prometheus text format 0.0.4: each metric's HELP and TYPE once, then its samples.
class PrometheusText
{
public:
    using Labels = std::vector<std::pair<std::string, std::string>>;
    // type: "counter" or "gauge". Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
    void add(const std::string& name,
             const std::string& type,
             const std::string& help,
             double value,
             const Labels& labels = {});
    // Families in the order first added, samples of one family together.
    std::string text() const;

private:
    struct Family {
        std::string name, type, help;
        std::string samples;
    };
    std::vector<Family> m_families;
    std::map<std::string, size_t> m_index;
};

} // namespace modemd

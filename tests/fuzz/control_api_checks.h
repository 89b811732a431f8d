// SPDX-License-Identifier: GPL-3.0-or-later
//
// What every response of the control API must satisfy, shared by the two control-API
// fuzz targets (fuzz_control_api: requests as structures; fuzz_http: raw bytes through
// Boost.Beast's parser, as the daemon's HTTP server receives them).
#pragma once

#include "console.h"
#include "control_api.h"
#include "fake_modem.h"
#include "fuzz_common.h"

#include <nlohmann/json.hpp>

namespace fuzz {

// ControlApi::handle must never throw: in the daemon an exception escapes the Beast
// session and io.run() and aborts the process (issue 15 item 1). Returns false if the
// request must be skipped because a known, separately fixed defect was hit.
inline bool handle_checked(modemd::ControlApi& api, FakeModem& modem, const modemd::HttpRequest& req,
                           bool token_on, modemd::HttpResponse& res)
{
    const uint64_t requests = api.requests(), unauthorized = api.unauthorized();
    const int actions = modem.actions;
    try {
        res = api.handle(req);
    } catch (const nlohmann::json::type_error& e) {
        // Issue 15 item 1: invalid UTF-8 in the path reaches json::dump in the 404 reply.
        if (e.id == 316 && known_defect("issue15-1-utf8"))
            return false;
        fail_exception("ControlApi::handle", e);
    } catch (const std::exception& e) {
        fail_exception("ControlApi::handle", e);
    }
    FUZZ_CHECK(api.requests() == requests + 1);
    static const int allowed[] = { 200, 400, 401, 404, 405, 409, 413, 500, 503 };
    FUZZ_CHECK(std::find(std::begin(allowed), std::end(allowed), res.status) != std::end(allowed));
    // The fake modem never fails internally: a 500 is a bad request answered as a server
    // error (issue 15 item 1: invalid UTF-8 in a JSON body, a number like 1e400).
    if (res.status == 500 && !known_defect("issue15-1-500"))
        fail("500 for a request the API should have answered with 400", __FILE__, __LINE__);
    FUZZ_CHECK((res.status == 401) == (api.unauthorized() == unauthorized + 1));
    FUZZ_CHECK(api.unauthorized() <= unauthorized + 1);
    if (res.status == 401) {
        FUZZ_CHECK(token_on);
        FUZZ_CHECK(modem.actions == actions); // nothing unauthorised reaches the modem
    }
    FUZZ_CHECK(modem.actions <= actions + 1);
    FUZZ_CHECK(!modem.bad_argument);
    if (res.content_type == "application/json") {
        nlohmann::json body;
        try {
            body = nlohmann::json::parse(res.body);
        } catch (const std::exception& e) {
            fail_exception("parsing the API's own JSON reply", e);
        }
        FUZZ_CHECK(body.is_object());
        if (res.status >= 400)
            FUZZ_CHECK(body.contains("error") && body["error"].is_string());
    } else if (res.content_type.rfind("text/html", 0) == 0) {
        // The console page: public, static (console.h).
        FUZZ_CHECK(res.status == 200 && res.body.size() == modemd::kConsolePageSize);
    } else {
        FUZZ_CHECK(res.status == 200 && res.body == FakeModem::kMetrics);
    }
    for (const auto& h : res.headers)
        for (char c : h.first + h.second)
            FUZZ_CHECK(c != '\r' && c != '\n'); // no header injection
    return true;
}

} // namespace fuzz

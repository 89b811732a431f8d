// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: the control API's request handling (apps/dualsat-modemd/control_api.h,
// ControlApi::handle) without sockets. Input: byte 0 bit 0 turns bearer-token
// authentication on, bits 1-2 pick the Authorization header (none, the right token,
// another scheme's casing of it, or a line of the input); then newline-separated method,
// target, [authorization,] and the rest is the body.
// Invariants: see control_api_checks.h (never throws, known statuses, JSON replies that
// parse, 401 exactly for bad credentials with nothing reaching the modem, no 500 for bad
// input, no header injection), plus: with the right token or none configured, a GET of
// a known endpoint succeeds.

#include "control_api_checks.h"

namespace {

std::string line(fuzz::Input& in)
{
    std::string s;
    while (!in.empty()) {
        const char c = static_cast<char>(in.u8());
        if (c == '\n')
            break;
        s += c;
    }
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const uint8_t flags = in.u8();
    const bool token_on = flags & 1;
    fuzz::FakeModem modem;
    modemd::ControlApi api(modem, token_on ? fuzz::kToken : "");

    modemd::HttpRequest req;
    req.method = line(in);
    req.target = line(in);
    switch ((flags >> 1) & 3) {
    case 0:
        break;
    case 1:
        req.authorization = std::string("Bearer ") + fuzz::kToken;
        break;
    case 2:
        req.authorization = std::string("bEARER ") + fuzz::kToken;
        break;
    case 3:
        req.authorization = line(in);
        break;
    }
    req.body.assign(reinterpret_cast<const char*>(in.here()), in.remaining());

    modemd::HttpResponse res;
    if (!fuzz::handle_checked(api, modem, req, token_on, res))
        return 0;
    const bool good_auth = !token_on || ((flags >> 1) & 3) == 1 || ((flags >> 1) & 3) == 2;
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (good_auth && (req.method == "GET" || req.method == "HEAD") &&
        (path == "/" || path == "/status" || path == "/metrics" || path == "/status/"))
        FUZZ_CHECK(res.status == 200);
    if (good_auth)
        FUZZ_CHECK(res.status != 401);
    return 0;
}

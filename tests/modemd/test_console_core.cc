// SPDX-License-Identifier: GPL-3.0-or-later
// The console taps (apps/dualsat-modemd/console.h): the spectrum's frequency axis and
// level, the symbol ring's bounds and grouping, the capture's hand-over.
#include "console.h"
#include "control_api.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

namespace {

std::vector<std::complex<float>> tone(double cycles_per_sample, float amplitude, size_t n)
{
    std::vector<std::complex<float>> x(n);
    for (size_t i = 0; i < n; ++i) {
        const double ph = 2 * M_PI * cycles_per_sample * static_cast<double>(i);
        x[i] = amplitude * std::complex<float>(static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph)));
    }
    return x;
}

} // namespace

TEST_CASE("console spectrum: a tone lands in its bin at its power", "[modemd][console]")
{
    const double fs = 1e6;
    for (double f : { -312500.0, -1000.0, 0.0, 125000.0, 437500.0 }) {
        modemd::ConsoleTaps taps(2.5e5, fs, 0.2);
        const auto x = tone(f / fs, 0.5f, modemd::SampleCapture::kSamples);
        taps.samples().offer(x.data(), x.size());
        const nlohmann::json j = taps.spectrum();
        REQUIRE(j["psd_db"].is_array());
        const auto& psd = j["psd_db"];
        REQUIRE(psd.size() == 1024);
        const size_t peak = static_cast<size_t>(
            std::max_element(psd.begin(), psd.end(),
                             [](const nlohmann::json& a, const nlohmann::json& b) { return a.get<double>() < b.get<double>(); }) -
            psd.begin());
        const double peak_hz = j["f_start_hz"].get<double>() + static_cast<double>(peak) * j["f_step_hz"].get<double>();
        CHECK(std::abs(peak_hz - f) <= j["f_step_hz"].get<double>());
        double total = 0;
        for (const auto& p : psd)
            total += std::pow(10.0, p.get<double>() / 10);
        CHECK(10 * std::log10(total) == Approx(20 * std::log10(0.5)).margin(0.05)); // -6.02 dBFS
        CHECK(j["occupied_bw_hz"].get<double>() == Approx(3e5));
    }
}

TEST_CASE("console spectrum: nothing copied until asked, one block per request", "[modemd][console]")
{
    modemd::ConsoleTaps taps(1e5, 2e5, 0.35);
    CHECK(taps.spectrum()["psd_db"].is_null()); // no samples yet
    const auto x = tone(0.1, 1.0f, 1000);
    for (int i = 0; i < 20; ++i) // 20 000 samples: one block of 16 384 filled, the rest ignored
        taps.samples().offer(x.data(), x.size());
    auto j = taps.spectrum();
    CHECK(j["blocks"] == 1);
    CHECK(taps.spectrum()["blocks"] == 1); // no new samples since: the same average
    taps.samples().offer(x.data(), x.size()); // a partial block is not used
    CHECK(taps.spectrum()["blocks"] == 1);
}

TEST_CASE("console symbols: bounded ring, newest last, runs by format", "[modemd][console]")
{
    modemd::SymbolCapture cap;
    CHECK(cap.recent(100)["count"] == 0);
    dualsat::FrameFormat a{ dualsat::parse_modcod("QPSK 1/2"), dualsat::FrameSize::Normal, true };
    dualsat::FrameFormat b{ dualsat::parse_modcod("16APSK 2/3"), dualsat::FrameSize::Short, false };
    std::vector<std::complex<float>> frame(32400, { 0.5f, -0.5f });
    for (int i = 0; i < 5; ++i)
        cap.offer(a, frame.data(), frame.size());
    std::vector<std::complex<float>> small(300, { 1.0f, 0.0f });
    cap.offer(b, small.data(), small.size());

    const auto j = cap.recent(4096);
    CHECK(j["count"] == 4096); // 5 × 1024 + 300 offered, 4096 held
    CHECK(j["frames"] == 6);
    REQUIRE(j["groups"].size() == 2);
    CHECK(j["groups"][0]["modcod"] == "QPSK 1/2");
    CHECK(j["groups"][0]["symbols"].size() == 4096 - 300);
    CHECK(j["groups"][1]["modcod"] == "16APSK 2/3");
    CHECK(j["groups"][1]["frame"] == "short");
    CHECK(j["groups"][1]["pilots"] == false);
    CHECK(j["groups"][1]["rings"].size() == 2);
    CHECK(j["groups"][1]["points"].size() == 16);
    CHECK(j["groups"][1]["symbols"].size() == 300);
    CHECK(j["groups"][1]["symbols"][0][0] == 1.0);

    const auto last = cap.recent(10);
    CHECK(last["count"] == 10);
    REQUIRE(last["groups"].size() == 1);
    CHECK(last["groups"][0]["modcod"] == "16APSK 2/3");
}

namespace {

class NoConsole : public modemd::ModemControl
{
public:
    nlohmann::json status() override { return nlohmann::json::object(); }
    std::string metrics() override { return ""; }
    modemd::ControlResult set_modcod(const std::string&, const std::optional<std::string>&,
                                     const std::optional<bool>&) override
    {
        return modemd::ControlResult::ok({});
    }
    modemd::ControlResult set_gain(double, const std::string&) override { return modemd::ControlResult::ok({}); }
    modemd::ControlResult set_frequency(double, const std::string&) override { return modemd::ControlResult::ok({}); }
};

modemd::HttpRequest req(const std::string& method, const std::string& target, const std::string& auth = "")
{
    modemd::HttpRequest r;
    r.method = method;
    r.target = target;
    r.authorization = auth;
    return r;
}

} // namespace

TEST_CASE("console routes: the page is public, its data is not", "[modemd][console]")
{
    NoConsole modem;
    modemd::ControlApi api(modem, "tok-0123456789");
    const auto page = api.handle(req("GET", "/console"));
    CHECK(page.status == 200);
    CHECK(page.content_type.rfind("text/html", 0) == 0);
    CHECK(page.body.size() == modemd::kConsolePageSize);
    CHECK(api.unauthorized() == 0);
    CHECK(api.handle(req("HEAD", "/console?readonly")).status == 200);
    CHECK(api.handle(req("POST", "/console")).status == 401);
    CHECK(api.handle(req("GET", "/symbols")).status == 401);
    CHECK(api.handle(req("GET", "/spectrum")).status == 401);
    // No receiver: 404; a bad n is refused before the modem is asked.
    CHECK(api.handle(req("GET", "/symbols?n=5", "Bearer tok-0123456789")).status == 404);
    CHECK(api.handle(req("GET", "/spectrum", "Bearer tok-0123456789")).status == 404);
    CHECK(api.handle(req("GET", "/symbols?x=1&n=0", "Bearer tok-0123456789")).status == 400);
    CHECK(api.handle(req("GET", "/symbols?n=4097", "Bearer tok-0123456789")).status == 400);
}

TEST_CASE("read-only token: GETs only, 403 for changes, never without a full token", "[modemd][console]")
{
    NoConsole modem;
    const std::string full = "Bearer full-token-0123456789", read = "Bearer read-token-0123456789";
    modemd::ControlApi api(modem, "full-token-0123456789", "read-token-0123456789");
    CHECK(api.access(req("GET", "/status", read)) == 0);
    CHECK(api.access(req("HEAD", "/metrics", read)) == 0);
    CHECK(api.access(req("POST", "/modcod", read)) == 403);
    CHECK(api.access(req("POST", "/modcod", full)) == 0);
    CHECK(api.access(req("GET", "/status", "Bearer nope")) == 401);
    CHECK(api.handle(req("POST", "/gain", read)).status == 403);
    CHECK(api.handle(req("GET", "/status", read)).status == 200);
    CHECK(api.unauthorized() == 0);
    // Without a token the read token means nothing (config refuses it; the API ignores it).
    modemd::ControlApi open_api(modem, "", "read-token-0123456789");
    CHECK(open_api.access(req("POST", "/modcod")) == 0);
}

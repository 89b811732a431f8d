// SPDX-License-Identifier: GPL-3.0-or-later
// Es/N0 traces for the ACM fade bench: the P.1853-style rain-fade synthesiser's statistics
// against its parameters (fixed seeds), scripted ramps and CSV traces with their errors.
#include <catch2/catch.hpp>
#include <dualsat/channel/rain_fade.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

using namespace dualsat;

namespace {

double mean(const std::vector<double>& v)
{
    double s = 0;
    for (double x : v)
        s += x;
    return s / double(v.size());
}

double stddev(const std::vector<double>& v)
{
    const double m = mean(v);
    double s = 0;
    for (double x : v)
        s += (x - m) * (x - m);
    return std::sqrt(s / double(v.size() - 1));
}

double autocorrelation(const std::vector<double>& v, size_t lag)
{
    const double m = mean(v);
    double num = 0, den = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        den += (v[i] - m) * (v[i] - m);
        if (i + lag < v.size())
            num += (v[i] - m) * (v[i + lag] - m);
    }
    return num / den;
}

std::string error_of(const std::function<void()>& f)
{
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("Normal tail and its inverse", "[rain_fade]")
{
    CHECK(normal_q(0.0) == Approx(0.5));
    CHECK(normal_q(1.6448536) == Approx(0.05).epsilon(1e-6));
    CHECK(normal_q(-1.6448536) == Approx(0.95).epsilon(1e-6));
    for (double p : { 1e-12, 1e-6, 0.01, 0.3, 0.5, 0.77, 0.999999 })
        CHECK(normal_q(normal_q_inverse(p)) == Approx(p).epsilon(1e-9));
    CHECK(normal_q_inverse(0.05) == Approx(1.6448536).epsilon(1e-6));
    CHECK_THROWS_AS(normal_q_inverse(0.0), ConfigError);
    CHECK_THROWS_AS(normal_q_inverse(1.0), ConfigError);
    CHECK_THROWS_AS(normal_q_inverse(std::nan("")), ConfigError);
}

TEST_CASE("Rain fade: Gaussian process, rain probability and lognormal attenuation", "[rain_fade]")
{
    RainFadeConfig c;
    c.m = 0.8;
    c.sigma = 0.7;
    c.rain_probability = 0.3;
    c.beta_per_s = 2e-4;
    c.time_compression = 50; // beta_eff = 1e-2: correlation time 100 samples
    c.seed = 11;
    const double beta_eff = c.beta_per_s * c.time_compression;
    const RainFadeSeries s = synthesise_rain_fade(c, 400000);
    REQUIRE(s.gaussian.size() == 400001);

    // X: stationary N(0, 1) with autocorrelation exp(-beta tau). About 2000 correlation
    // times: the standard errors are ~0.03 on the mean and ~0.02 on the correlations.
    CHECK(std::fabs(mean(s.gaussian)) < 0.1);
    CHECK(stddev(s.gaussian) == Approx(1.0).margin(0.05));
    CHECK(autocorrelation(s.gaussian, 1) == Approx(std::exp(-beta_eff)).margin(0.01));
    CHECK(autocorrelation(s.gaussian, 100) == Approx(std::exp(-1.0)).margin(0.06));
    CHECK(autocorrelation(s.gaussian, 300) == Approx(std::exp(-3.0)).margin(0.06));

    // Rain when X > Q^-1(P_rain); in rain ln A ~ N(m, sigma).
    std::vector<double> log_a;
    size_t wet = 0, wrong_state = 0;
    const double alpha = normal_q_inverse(c.rain_probability);
    for (size_t k = 0; k < s.rain_db.size(); ++k) {
        wrong_state += (s.rain_db[k] > 0.0) != (s.gaussian[k] > alpha);
        if (s.rain_db[k] > 0.0) {
            ++wet;
            log_a.push_back(std::log(s.rain_db[k]));
        }
    }
    CHECK(wrong_state == 0);
    CHECK(double(wet) / double(s.rain_db.size()) == Approx(c.rain_probability).margin(0.04));
    CHECK(mean(log_a) == Approx(c.m).margin(0.1 * c.sigma));
    CHECK(stddev(log_a) == Approx(c.sigma).margin(0.1 * c.sigma));
    // No scintillation, no slew limit: the attenuation is the rain attenuation.
    CHECK(s.attenuation_db == s.rain_db);
    CHECK(s.rate_limited_samples == 0);
}

TEST_CASE("Rain fade: deterministic by seed, slew limit, scintillation", "[rain_fade]")
{
    RainFadeConfig c = RainFadeConfig::fast_bench();
    const RainFadeSeries a = synthesise_rain_fade(c, 600);
    const RainFadeSeries b = synthesise_rain_fade(c, 600);
    CHECK(a.attenuation_db == b.attenuation_db);
    c.seed = 2;
    CHECK(synthesise_rain_fade(c, 600).gaussian != a.gaussian);

    // The preset caps the fade rate at 1 dB/s; without the cap its steepest steps are
    // steeper (so the cap is what bounds it, and the trace does reach it).
    CHECK(a.max_rate_db_per_s <= 1.0 + 1e-9);
    RainFadeConfig free = RainFadeConfig::fast_bench();
    free.max_rate_db_per_s = 0;
    const RainFadeSeries f = synthesise_rain_fade(free, 600);
    CHECK(f.max_rate_db_per_s > 1.0);
    CHECK(a.rate_limited_samples > 0);
    // No step of the limited trace is steeper than the cap.
    size_t too_steep = 0;
    for (size_t k = 1; k < a.attenuation_db.size(); ++k)
        too_steep += std::fabs(a.attenuation_db[k] - a.attenuation_db[k - 1]) > 1.0 + 1e-9;
    CHECK(too_steep == 0);

    // Es/N0 trace: clear sky minus attenuation, on the sample grid.
    const Esn0Trace t = rain_fade_trace(RainFadeConfig::fast_bench(), 600);
    REQUIRE(t.points().size() == a.attenuation_db.size());
    CHECK(t.at(10.0) == Approx(14.0 - a.attenuation_db[10]));
    CHECK(t.at(10.5) == Approx(14.0 - 0.5 * (a.attenuation_db[10] + a.attenuation_db[11])));
    CHECK(t.max_db() <= 14.0);

    RainFadeConfig sc;
    sc.rain_probability = 1e-9; // dry: scintillation alone (clipped at 0 dB attenuation)
    sc.scintillation_std_db = 0.5;
    const RainFadeSeries d = synthesise_rain_fade(sc, 20000);
    double above = 0;
    for (double v : d.attenuation_db)
        above += v > 0.0;
    CHECK(above / double(d.attenuation_db.size()) == Approx(0.5).margin(0.05));
    CHECK(*std::max_element(d.attenuation_db.begin(), d.attenuation_db.end()) > 1.0);
}

TEST_CASE("Rain fade: invalid parameters are refused", "[rain_fade]")
{
    auto bad = [](auto mutate) {
        RainFadeConfig c;
        mutate(c);
        return c;
    };
    CHECK_THROWS_AS(synthesise_rain_fade(bad([](auto& c) { c.sigma = 0; }), 10), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(bad([](auto& c) { c.rain_probability = 0; }), 10), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(bad([](auto& c) { c.rain_probability = 1.5; }), 10), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(bad([](auto& c) { c.beta_per_s = -1; }), 10), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(bad([](auto& c) { c.m = std::nan(""); }), 10), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(bad([](auto& c) { c.max_rate_db_per_s = -1; }), 10), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(RainFadeConfig{}, -1), ConfigError);
    CHECK_THROWS_AS(synthesise_rain_fade(RainFadeConfig{}, 1e12), ConfigError);
    // Always raining is allowed (P_rain = 1: every sample wet).
    const auto s = synthesise_rain_fade(bad([](auto& c) { c.rain_probability = 1.0; }), 100);
    CHECK(*std::min_element(s.rain_db.begin(), s.rain_db.end()) > 0.0);
}

TEST_CASE("Es/N0 ramps", "[rain_fade]")
{
    const Esn0Trace t = ramp_trace(14.0, "hold:5,to:0:3,hold:5,to:14:3,hold:5");
    CHECK(t.at(-1) == 14.0);
    CHECK(t.at(5.0) == Approx(14.0));
    CHECK(t.at(6.0) == Approx(11.0));
    CHECK(t.at(5.0 + 14.0 / 3) == Approx(0.0).margin(1e-9));
    CHECK(t.at(12.0) == Approx(0.0).margin(1e-9));
    CHECK(t.end_s() == Approx(15.0 + 28.0 / 3));
    CHECK(t.at(t.end_s() + 10) == Approx(14.0));
    CHECK(t.max_rate_db_per_s() == Approx(3.0));
    CHECK(t.min_db() == Approx(0.0).margin(1e-9));
    // Backwards and jumping calls give the same values as forward ones.
    CHECK(t.at(6.0) == Approx(11.0));
    CHECK(t.at(1.0) == Approx(14.0));

    const Esn0Trace r = ramp_trace(10.0, " ramp:-0.5:4 , hold:1,to:10:-2");
    CHECK(r.at(2.0) == Approx(9.0));
    CHECK(r.at(4.5) == Approx(8.0));
    CHECK(r.at(6.0) == Approx(10.0)); // up at |-2| dB/s from 8 dB at t = 5

    CHECK_THAT(error_of([] { ramp_trace(14, "hold:-1"); }), Catch::Contains("'hold:-1'"));
    CHECK_THAT(error_of([] { ramp_trace(14, "ramp:x:2"); }), Catch::Contains("ramp:DB_PER_S:SECONDS"));
    CHECK_THAT(error_of([] { ramp_trace(14, "hold:1,wobble:3"); }), Catch::Contains("'wobble:3'"));
    CHECK_THAT(error_of([] { ramp_trace(14, "to:5:0"); }), Catch::Contains("non-zero rate"));
    CHECK_THROWS_AS(ramp_trace(14, ""), ConfigError);
    CHECK_THROWS_AS(ramp_trace(14, "hold:1,"), ConfigError);
    CHECK_THROWS_AS(ramp_trace(14, "to:14:3"), ConfigError); // adds no time
    CHECK_THROWS_AS(ramp_trace(std::nan(""), "hold:1"), ConfigError);
}

TEST_CASE("Es/N0 CSV traces", "[rain_fade]")
{
    std::istringstream good("# a fade\n"
                            "time_s,esn0_db,comment\n"
                            "0,12,clear\n"
                            "\n"
                            "10, 2 ,faded\n"
                            "  20,12\n");
    const Esn0Trace t = parse_esn0_csv(good);
    REQUIRE(t.points().size() == 3);
    CHECK(t.at(5) == Approx(7.0));
    CHECK(t.at(15) == Approx(7.0));
    CHECK(t.at(25) == Approx(12.0));

    std::istringstream no_header("0,1\n1,2\n");
    CHECK(parse_esn0_csv(no_header).at(0.5) == Approx(1.5));

    auto err = [](const std::string& text) {
        return error_of([&] {
            std::istringstream in(text);
            parse_esn0_csv(in, "fade.csv");
        });
    };
    CHECK_THAT(err("time_s,esn0_db\n0,1\n1,abc\n"), Catch::Contains("fade.csv line 3") &&
                                                        Catch::Contains("'abc'"));
    CHECK_THAT(err("0,1\n1\n"), Catch::Contains("line 2") && Catch::Contains("time_s,esn0_db"));
    CHECK_THAT(err("0,1\n2,1\n1,1\n"), Catch::Contains("line 3") && Catch::Contains("does not increase"));
    CHECK_THAT(err("0,1\n0,2\n"), Catch::Contains("does not increase"));
    CHECK_THAT(err("0,1\nx,2\n"), Catch::Contains("line 2") && Catch::Contains("'x'"));
    CHECK_THAT(err("a,b\nc,d\n"), Catch::Contains("line 2"));   // one header only
    CHECK_THAT(err("0,nan\n1,2\n"), Catch::Contains("line 1")); // non-finite values
    CHECK_THAT(err("0,1e999\n1,2\n"), Catch::Contains("line 1"));
    CHECK_THAT(err("# nothing\n"), Catch::Contains("no data"));
    CHECK_THAT(err(""), Catch::Contains("no data"));
    CHECK_THAT(err("0,1\n"), Catch::Contains("at least two"));
    CHECK_THAT(error_of([] { esn0_csv_file("/nonexistent/trace.csv"); }),
               Catch::Contains("/nonexistent/trace.csv"));

    CHECK_THROWS_AS(Esn0Trace({}), ConfigError);
    CHECK_THROWS_AS(Esn0Trace({ { 0, 1 }, { 0, 2 } }), ConfigError);
}

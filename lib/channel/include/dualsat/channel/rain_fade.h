// SPDX-License-Identifier: GPL-3.0-or-later
//
// Es/N0 against time for ACM benches: a rain-fade synthesiser in the style of ITU-R
// P.1853-1 Annex 1 (rain attenuation time series), scripted ramps, and CSV traces. All
// three become an Esn0Trace: points (time, Es/N0) joined linearly, held before the first
// and after the last.
//
// Rain fade (ITU-R P.1853-1 Annex 1, the rain attenuation time-series synthesiser):
//   1. X: white Gaussian noise through a first-order low-pass, sampled every Ts:
//        X[k] = rho X[k-1] + sqrt(1 - rho^2) n[k],  rho = exp(-beta Ts),
//      a stationary Gaussian (Ornstein-Uhlenbeck) process, zero mean, unit variance,
//      autocorrelation exp(-beta |tau|); P.1853 uses beta = 2e-4 1/s and Ts = 1 s. X[0] is
//      drawn from the stationary N(0, 1) too, so there is no start-up transient;
//   2. rain / no rain: it rains when X > alpha, alpha = Q^-1(P_rain) (Q the standard
//      normal tail probability), so the fraction of time in rain is P_rain;
//   3. in rain, A = exp(m + sigma z) dB with z = Q^-1(Q(X) / P_rain): the conditional
//      quantile map, so that ln A given rain is exactly N(m, sigma) (the lognormal
//      rain-attenuation distribution P.1853 fits m and sigma to, from P.618). P.1853 maps
//      X through exp(m + sigma X) and removes the jump at the rain threshold with an
//      attenuation offset; the quantile map used here instead starts every rain event at
//      0 dB (z -> -inf as X -> alpha) and keeps the first-order statistics exact (which the
//      tests check; the recommendation's own mapping is known to distort them slightly);
//   4. optional scintillation: Gaussian in dB, first-order low-pass with its own time
//      constant, added to A (a simplification of P.1853's f^-8/3 scintillation spectrum:
//      enough to roughen the trace, not a scintillation model);
//   5. optional slew limit: |dA/dt| capped per sample (reported either way).
//   Es/N0(t) = clear-sky Es/N0 - A(t) (the fade lowers the signal; the rise of the sky
//   noise temperature in rain is left out).
//
// Time scaling (why fast_bench() is not physical time): P.1853's beta = 2e-4 1/s is a
// correlation time of 1/beta = 83 min, and at Ts = 1 s (with fast_bench()'s lognormal
// parameters) its fades change by the order of 0.1 dB/s:
// a 10-minute trace would hold at most one slow fade. fast_bench() compresses time by
// 20 (beta_eff = 4e-3 1/s, 250 s), which multiplies the short-term rate of change of X by
// sqrt(20) ~ 4.5 (X is a random walk at short lags: its increments over Ts have standard
// deviation sqrt(2 beta Ts)). With its lognormal parameters that gives fades of the order
// of 1 dB/s, the issue-11 requirement, which the slew limit then enforces as a maximum.
// Ten minutes are still only 2.4 correlation times: one trace's fraction of time in rain
// and depth of fade vary widely with the seed (seeds 1, 2, 3 over 600 s: raining 86 %,
// 1 % and 100 % of the time, Es/N0 down to 1.6, 12.4 and -9.0 dB).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace dualsat {

struct Esn0Point {
    double time_s;
    double esn0_db;
};

class Esn0Trace
{
public:
    // ConfigError for no points, non-finite values or times that do not increase.
    explicit Esn0Trace(std::vector<Esn0Point> points);

    double at(double time_s) const; // linear interpolation, held outside
    double start_s() const { return m_points.front().time_s; }
    double end_s() const { return m_points.back().time_s; }
    double min_db() const;
    double max_db() const;
    // Largest |slope| between consecutive points, dB/s.
    double max_rate_db_per_s() const;
    const std::vector<Esn0Point>& points() const { return m_points; }

private:
    std::vector<Esn0Point> m_points;
    mutable size_t m_hint = 0; // last segment found: at() is called with increasing times
};

// ---- Rain fade ------------------------------------------------------------------------

struct RainFadeConfig {
    double clear_sky_esn0_db = 14.0;
    // Lognormal rain attenuation (dB) given rain: ln A ~ N(m, sigma).
    double m = 1.0;
    double sigma = 1.0;
    double rain_probability = 0.05; // P_rain, fraction of time in rain, (0, 1]
    double beta_per_s = 2e-4;       // P.1853's low-pass parameter
    double time_compression = 1.0;  // > 1: events happen that many times faster
    double sample_period_s = 1.0;   // Ts (in trace time)
    double max_rate_db_per_s = 0.0; // slew limit of the attenuation; 0: none
    double scintillation_std_db = 0.0;
    double scintillation_time_s = 2.0; // its low-pass time constant
    uint64_t seed = 1;

    // The issue-11 bench preset: clear sky 14 dB, m = ln 4 (median fade 4 dB in rain),
    // sigma = 0.6, P_rain = 0.6, P.1853's beta compressed 20x, slew limit 1 dB/s.
    static RainFadeConfig fast_bench();
    void validate() const; // ConfigError for out-of-range values
};

struct RainFadeSeries {
    double sample_period_s = 1.0;
    std::vector<double> gaussian;       // X
    std::vector<double> rain_db;        // step 3 (0 when dry)
    std::vector<double> attenuation_db; // after scintillation and the slew limit (>= 0)
    size_t rate_limited_samples = 0;    // samples where the slew limit acted
    double max_rate_db_per_s = 0.0;     // of attenuation_db
};

// Samples at 0, Ts, 2 Ts, ... up to and including the first at or past duration_s.
// Deterministic for a given config (seed).
RainFadeSeries synthesise_rain_fade(const RainFadeConfig& config, double duration_s);
Esn0Trace rain_fade_trace(const RainFadeConfig& config, double duration_s);

// Standard normal tail Q(x) = P(N(0,1) > x) and its inverse (p in (0, 1)).
double normal_q(double x);
double normal_q_inverse(double p);

// ---- Scripted ramps ---------------------------------------------------------------------
//
// Comma-separated segments from start_db at t = 0:
//   hold:S          stay for S seconds
//   ramp:R:S        change at R dB/s (signed) for S seconds
//   to:L:R          go to L dB at |R| dB/s
// e.g. "hold:5,to:0:3,hold:5,to:14:3,hold:5" (a 3 dB/s fade from 14 to 0 dB and back).
// ConfigError naming the segment for anything else.
Esn0Trace ramp_trace(double start_db, const std::string& spec);

// ---- CSV traces -------------------------------------------------------------------------
//
// Two columns time_s,esn0_db per line; an optional header line (first non-comment line
// whose first field is not a number), '#' comments and blank lines skipped, extra columns
// ignored. ConfigError with the line number for a malformed line or times that do not
// increase. `name` is used in the messages.
Esn0Trace parse_esn0_csv(std::istream& in, const std::string& name = "trace");
Esn0Trace esn0_csv_file(const std::string& path);

} // namespace dualsat

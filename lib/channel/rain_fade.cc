// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/channel/rain_fade.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dualsat {
namespace {

bool finite(double v) { return std::isfinite(v); }

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos)
        return "";
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// The whole string as a finite number, or false.
bool parse_number(const std::string& text, double& out)
{
    const std::string s = trim(text);
    if (s.empty())
        return false;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || errno == ERANGE || !finite(v))
        return false;
    out = v;
    return true;
}

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep))
        out.push_back(cur);
    if (!s.empty() && s.back() == sep)
        out.push_back("");
    return out;
}

} // namespace

// ---- Esn0Trace --------------------------------------------------------------------------

Esn0Trace::Esn0Trace(std::vector<Esn0Point> points) : m_points(std::move(points))
{
    if (m_points.empty())
        throw ConfigError("Es/N0 trace: no points");
    for (size_t i = 0; i < m_points.size(); ++i) {
        if (!finite(m_points[i].time_s) || !finite(m_points[i].esn0_db))
            throw ConfigError("Es/N0 trace: point " + std::to_string(i) + " is not finite");
        if (i > 0 && !(m_points[i].time_s > m_points[i - 1].time_s))
            throw ConfigError("Es/N0 trace: times must increase (point " + std::to_string(i) + ")");
    }
}

double Esn0Trace::at(double t) const
{
    const auto& p = m_points;
    if (t <= p.front().time_s)
        return p.front().esn0_db;
    if (t >= p.back().time_s)
        return p.back().esn0_db;
    // Segment i holds p[i].time_s <= t < p[i + 1].time_s: the hint or the next one when the
    // calls move forward in time (the bench's case), else a binary search.
    auto holds = [&](size_t i) { return i + 1 < p.size() && p[i].time_s <= t && t < p[i + 1].time_s; };
    size_t i = m_hint;
    if (!holds(i)) {
        if (holds(i + 1))
            ++i;
        else
            i = static_cast<size_t>(std::upper_bound(p.begin(), p.end(), t,
                                                     [](double v, const Esn0Point& q) {
                                                         return v < q.time_s;
                                                     }) -
                                    p.begin()) -
                1;
    }
    m_hint = i;
    const double f = (t - p[i].time_s) / (p[i + 1].time_s - p[i].time_s);
    return p[i].esn0_db + f * (p[i + 1].esn0_db - p[i].esn0_db);
}

double Esn0Trace::min_db() const
{
    double v = m_points.front().esn0_db;
    for (const auto& q : m_points)
        v = std::min(v, q.esn0_db);
    return v;
}

double Esn0Trace::max_db() const
{
    double v = m_points.front().esn0_db;
    for (const auto& q : m_points)
        v = std::max(v, q.esn0_db);
    return v;
}

double Esn0Trace::max_rate_db_per_s() const
{
    double r = 0.0;
    for (size_t i = 1; i < m_points.size(); ++i)
        r = std::max(r, std::fabs(m_points[i].esn0_db - m_points[i - 1].esn0_db) /
                            (m_points[i].time_s - m_points[i - 1].time_s));
    return r;
}

// ---- Normal tail ------------------------------------------------------------------------

double normal_q(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

double normal_q_inverse(double p)
{
    if (!(p > 0.0 && p < 1.0))
        throw ConfigError("normal_q_inverse: p must be in (0, 1)");
    // Q is decreasing: bisection to the last bit is plenty fast for 1 s samples and exact
    // in both tails (no approximation to validate).
    double lo = -40.0, hi = 40.0;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * std::max(1.0, std::fabs(lo)); ++i) {
        const double mid = 0.5 * (lo + hi);
        if (normal_q(mid) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

// ---- Rain fade --------------------------------------------------------------------------

RainFadeConfig RainFadeConfig::fast_bench()
{
    RainFadeConfig c;
    c.clear_sky_esn0_db = 14.0;
    c.m = std::log(4.0);
    c.sigma = 0.6;
    c.rain_probability = 0.6;
    c.beta_per_s = 2e-4;
    c.time_compression = 20.0;
    c.sample_period_s = 1.0;
    c.max_rate_db_per_s = 1.0;
    return c;
}

void RainFadeConfig::validate() const
{
    if (!finite(clear_sky_esn0_db) || !finite(m))
        throw ConfigError("rain fade: clear-sky Es/N0 and m must be finite");
    if (!(sigma > 0.0) || !finite(sigma))
        throw ConfigError("rain fade: sigma must be > 0");
    if (!(rain_probability > 0.0 && rain_probability <= 1.0))
        throw ConfigError("rain fade: rain probability must be in (0, 1]");
    if (!(beta_per_s > 0.0) || !finite(beta_per_s) || !(time_compression > 0.0) ||
        !finite(time_compression))
        throw ConfigError("rain fade: beta and time compression must be > 0");
    if (!(sample_period_s > 0.0) || !finite(sample_period_s))
        throw ConfigError("rain fade: sample period must be > 0");
    if (!(max_rate_db_per_s >= 0.0) || !finite(max_rate_db_per_s))
        throw ConfigError("rain fade: rate limit must be >= 0 (0: none)");
    if (!(scintillation_std_db >= 0.0) || !finite(scintillation_std_db) ||
        !(scintillation_time_s > 0.0) || !finite(scintillation_time_s))
        throw ConfigError("rain fade: scintillation std >= 0 and time constant > 0");
}

RainFadeSeries synthesise_rain_fade(const RainFadeConfig& c, double duration_s)
{
    c.validate();
    if (!(duration_s >= 0.0) || !finite(duration_s) || duration_s / c.sample_period_s > 1e8)
        throw ConfigError("rain fade: duration must be >= 0 and at most 1e8 samples");
    const size_t n = static_cast<size_t>(std::ceil(duration_s / c.sample_period_s - 1e-9)) + 1;
    RainFadeSeries s;
    s.sample_period_s = c.sample_period_s;
    s.gaussian.resize(n);
    s.rain_db.resize(n);
    s.attenuation_db.resize(n);

    Rng rng(c.seed);
    const double rho = std::exp(-c.beta_per_s * c.time_compression * c.sample_period_s);
    const double drive = std::sqrt(1.0 - rho * rho);
    const double p = c.rain_probability;
    const double alpha = p < 1.0 ? normal_q_inverse(p) : -1e300;
    const double rho_sc = std::exp(-c.sample_period_s / c.scintillation_time_s);
    const double drive_sc = std::sqrt(1.0 - rho_sc * rho_sc) * c.scintillation_std_db;
    const double max_step = c.max_rate_db_per_s * c.sample_period_s;

    double x = rng.gaussian();
    double sc = rng.gaussian() * c.scintillation_std_db;
    for (size_t k = 0; k < n; ++k) {
        if (k > 0) {
            x = rho * x + drive * rng.gaussian();
            sc = rho_sc * sc + drive_sc * rng.gaussian();
        }
        double rain = 0.0;
        if (x > alpha) {
            // Q(x) / p in (0, 1): Q(x) < Q(alpha) = p. Guard the rounding at both ends.
            const double u = std::clamp(normal_q(x) / p, 1e-300, 1.0 - 1e-16);
            rain = std::exp(c.m + c.sigma * normal_q_inverse(u));
        }
        s.gaussian[k] = x;
        s.rain_db[k] = rain;
        double a = std::max(0.0, rain + (c.scintillation_std_db > 0.0 ? sc : 0.0));
        if (k > 0 && max_step > 0.0) {
            const double prev = s.attenuation_db[k - 1];
            const double limited = std::clamp(a, prev - max_step, prev + max_step);
            if (limited != a)
                ++s.rate_limited_samples;
            a = limited;
        }
        s.attenuation_db[k] = a;
        if (k > 0)
            s.max_rate_db_per_s = std::max(
                s.max_rate_db_per_s, std::fabs(a - s.attenuation_db[k - 1]) / c.sample_period_s);
    }
    return s;
}

Esn0Trace rain_fade_trace(const RainFadeConfig& c, double duration_s)
{
    const RainFadeSeries s = synthesise_rain_fade(c, duration_s);
    std::vector<Esn0Point> pts(s.attenuation_db.size());
    for (size_t k = 0; k < pts.size(); ++k)
        pts[k] = { static_cast<double>(k) * s.sample_period_s,
                   c.clear_sky_esn0_db - s.attenuation_db[k] };
    if (pts.size() == 1)
        pts.push_back({ s.sample_period_s, pts[0].esn0_db });
    return Esn0Trace(std::move(pts));
}

// ---- Ramps ------------------------------------------------------------------------------

Esn0Trace ramp_trace(double start_db, const std::string& spec)
{
    if (!finite(start_db))
        throw ConfigError("ramp: start level must be finite");
    std::vector<Esn0Point> pts{ { 0.0, start_db } };
    double t = 0.0, level = start_db;
    const auto segments = split(spec, ',');
    if (segments.empty())
        throw ConfigError("ramp: empty segment list");
    for (const auto& seg_raw : segments) {
        const std::string seg = trim(seg_raw);
        const auto f = split(seg, ':');
        const std::string what = "ramp segment '" + seg + "'";
        double a = 0, b = 0, duration = 0, target = level;
        if (f.size() == 2 && trim(f[0]) == "hold") {
            if (!parse_number(f[1], duration) || !(duration > 0.0))
                throw ConfigError(what + ": want hold:SECONDS with SECONDS > 0");
        } else if (f.size() == 3 && trim(f[0]) == "ramp") {
            if (!parse_number(f[1], a) || !parse_number(f[2], duration) || !(duration > 0.0))
                throw ConfigError(what + ": want ramp:DB_PER_S:SECONDS with SECONDS > 0");
            target = level + a * duration;
        } else if (f.size() == 3 && trim(f[0]) == "to") {
            if (!parse_number(f[1], target) || !parse_number(f[2], b) || !(std::fabs(b) > 0.0))
                throw ConfigError(what + ": want to:LEVEL_DB:DB_PER_S with a non-zero rate");
            duration = std::fabs(target - level) / std::fabs(b);
            if (!(duration > 0.0))
                continue; // already there
        } else {
            throw ConfigError(what + ": want hold:S, ramp:R:S or to:L:R");
        }
        t += duration;
        level = target;
        pts.push_back({ t, level });
    }
    if (pts.size() < 2)
        throw ConfigError("ramp: the segments add no time");
    return Esn0Trace(std::move(pts));
}

// ---- CSV --------------------------------------------------------------------------------

Esn0Trace parse_esn0_csv(std::istream& in, const std::string& name)
{
    std::vector<Esn0Point> pts;
    std::string line;
    int lineno = 0;
    bool header_allowed = true;
    while (std::getline(in, line)) {
        ++lineno;
        const std::string l = trim(line);
        if (l.empty() || l[0] == '#')
            continue;
        const auto f = split(l, ',');
        const std::string where = name + " line " + std::to_string(lineno);
        double t = 0, e = 0;
        const bool t_ok = !f.empty() && parse_number(f[0], t);
        if (!t_ok && header_allowed) {
            header_allowed = false; // a header: at most one, before the data
            continue;
        }
        header_allowed = false;
        if (f.size() < 2)
            throw ConfigError(where + ": want time_s,esn0_db");
        if (!t_ok)
            throw ConfigError(where + ": time '" + trim(f[0]) + "' is not a number");
        if (!parse_number(f[1], e))
            throw ConfigError(where + ": Es/N0 '" + trim(f[1]) + "' is not a number");
        if (!pts.empty() && !(t > pts.back().time_s))
            throw ConfigError(where + ": time " + trim(f[0]) + " does not increase");
        pts.push_back({ t, e });
    }
    if (pts.empty())
        throw ConfigError(name + ": no data lines");
    if (pts.size() == 1)
        throw ConfigError(name + ": one point makes no trace (need at least two)");
    return Esn0Trace(std::move(pts));
}

Esn0Trace esn0_csv_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw ConfigError("cannot read Es/N0 trace " + path);
    return parse_esn0_csv(in, path);
}

} // namespace dualsat

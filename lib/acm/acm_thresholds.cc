// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/acm/acm_thresholds.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace dualsat {
namespace {

std::vector<std::string> split_csv(const std::string& line)
{
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(line);
    while (std::getline(in, cur, ',')) {
        const auto b = cur.find_first_not_of(" \t\r");
        const auto e = cur.find_last_not_of(" \t\r");
        out.push_back(b == std::string::npos ? std::string() : cur.substr(b, e - b + 1));
    }
    return out;
}

double to_double(const std::string& text, const std::string& what)
{
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && std::isfinite(v))
            return v;
    } catch (const std::exception&) {
    }
    throw ConfigError("threshold table: bad " + what + " '" + text + "'");
}

std::ifstream open(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw ConfigError("threshold table: cannot read " + path);
    return in;
}

bool skip(const std::string& line)
{
    const auto b = line.find_first_not_of(" \t\r");
    return b == std::string::npos || line[b] == '#';
}

} // namespace

size_t AcmThresholds::index(int modcod_number, FrameSize frame)
{
    if (modcod_number < 1 || modcod_number > 28)
        throw ConfigError("threshold table: MODCOD number " + std::to_string(modcod_number) +
                          " is not in 1..28");
    return static_cast<size_t>(modcod_number) + (frame == FrameSize::Short ? 29 : 0);
}

std::optional<double> AcmThresholds::get(int modcod_number, FrameSize frame) const
{
    if (modcod_number < 1 || modcod_number > 28)
        return std::nullopt;
    return m_esn0[index(modcod_number, frame)];
}

void AcmThresholds::set(int modcod_number, FrameSize frame, double esn0_db)
{
    if (!std::isfinite(esn0_db))
        throw ConfigError("threshold table: non-finite Es/N0");
    if (frame == FrameSize::Short && !code_exists(frame, modcod_from_number(modcod_number).rate))
        throw ConfigError("threshold table: no short FECFRAME for MODCOD " +
                          std::to_string(modcod_number));
    m_esn0[index(modcod_number, frame)] = esn0_db;
}

void AcmThresholds::erase(int modcod_number, FrameSize frame)
{
    m_esn0[index(modcod_number, frame)].reset();
}

size_t AcmThresholds::size() const
{
    return static_cast<size_t>(std::count_if(m_esn0.begin(), m_esn0.end(),
                                             [](const auto& v) { return v.has_value(); }));
}

AcmThresholds AcmThresholds::from_qef_csv(std::istream& in,
                                          double implementation_loss_db,
                                          double short_frame_loss_db)
{
    AcmThresholds t;
    std::string line;
    while (std::getline(in, line)) {
        if (skip(line) || line.rfind("modulation", 0) == 0)
            continue;
        const auto f = split_csv(line);
        if (f.size() < 3)
            throw ConfigError("QEF table: short line '" + line + "'");
        const ModCod mc{ parse_modulation(f[0]), parse_code_rate(f[1]) };
        const int n = modcod_number(mc);
        const double qef = to_double(f[2], "Es/N0");
        t.set(n, FrameSize::Normal, qef + implementation_loss_db);
        if (code_exists(FrameSize::Short, mc.rate))
            t.set(n, FrameSize::Short, qef + implementation_loss_db + short_frame_loss_db);
    }
    for (int n = 1; n <= 28; ++n)
        if (!t.get(n, FrameSize::Normal))
            throw ConfigError("QEF table: no entry for " + to_string(modcod_from_number(n)));
    return t;
}

AcmThresholds AcmThresholds::from_qef_csv_file(const std::string& path,
                                               double implementation_loss_db,
                                               double short_frame_loss_db)
{
    auto in = open(path);
    return from_qef_csv(in, implementation_loss_db, short_frame_loss_db);
}

AcmThresholds AcmThresholds::from_fer_sweep_csv(std::istream& in, double target_fer, double extra_loss_db)
{
    if (!(target_fer > 0.0 && target_fer < 1.0))
        throw ConfigError("FER sweep table: target FER must be in (0, 1)");
    std::string line;
    std::map<std::string, size_t> col;
    while (col.empty() && std::getline(in, line)) {
        if (skip(line))
            continue;
        const auto names = split_csv(line);
        for (size_t i = 0; i < names.size(); ++i)
            col[names[i]] = i;
    }
    for (const char* need : { "modulation", "code_rate", "frame", "esn0_db", "frames", "frame_errors" })
        if (!col.count(need))
            throw ConfigError(std::string("FER sweep table: no column '") + need + "'");

    struct Point {
        double esn0;
        double frames;
        double errors;
    };
    std::map<std::pair<int, FrameSize>, std::vector<Point>> points;
    const size_t width = std::max({ col["modulation"], col["code_rate"], col["frame"], col["esn0_db"],
                                    col["frames"], col["frame_errors"] }) + 1;
    while (std::getline(in, line)) {
        if (skip(line))
            continue;
        const auto f = split_csv(line);
        if (f.size() < width)
            throw ConfigError("FER sweep table: short line '" + line + "'");
        const ModCod mc{ parse_modulation(f[col["modulation"]]), parse_code_rate(f[col["code_rate"]]) };
        const Point p{ to_double(f[col["esn0_db"]], "Es/N0"), to_double(f[col["frames"]], "frames"),
                       to_double(f[col["frame_errors"]], "frame_errors") };
        if (p.frames <= 0 || p.errors < 0 || p.errors > p.frames)
            throw ConfigError("FER sweep table: bad counts in '" + line + "'");
        points[{ modcod_number(mc), parse_frame_size(f[col["frame"]]) }].push_back(p);
    }

    AcmThresholds t;
    const double log_target = std::log10(target_fer);
    for (auto& [key, pts] : points) {
        std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.esn0 < b.esn0; });
        auto meets = [&](const Point& p) {
            return p.errors > 0 ? p.errors / p.frames <= target_fer : 3.0 / p.frames <= target_fer;
        };
        // The first point of the run of passing points that reaches the top of the sweep.
        size_t first = pts.size();
        while (first > 0 && meets(pts[first - 1]))
            --first;
        if (first == pts.size())
            continue; // the target is never shown to be met: no threshold
        double esn0 = pts[first].esn0;
        if (first > 0 && pts[first].errors > 0 && pts[first - 1].errors > 0) {
            // Interpolate log10(FER) between the failing point below and this one (a point
            // without errors has no logarithm: then the passing point itself is taken).
            const Point& a = pts[first - 1];
            const Point& b = pts[first];
            const double la = std::log10(a.errors / a.frames);
            const double lb = std::log10(b.errors / b.frames);
            if (la > lb && b.esn0 > a.esn0)
                esn0 = a.esn0 + (la - log_target) / (la - lb) * (b.esn0 - a.esn0);
        }
        t.set(key.first, key.second, esn0 + extra_loss_db);
    }
    return t;
}

AcmThresholds AcmThresholds::from_fer_sweep_csv_file(const std::string& path,
                                                     double target_fer,
                                                     double extra_loss_db)
{
    auto in = open(path);
    return from_fer_sweep_csv(in, target_fer, extra_loss_db);
}

} // namespace dualsat

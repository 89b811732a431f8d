// SPDX-License-Identifier: GPL-3.0-or-later
#include "sigmf.h"

#include <dualsat/core/error.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace modemd {

using nlohmann::json;

namespace {

const std::string kDataSuffix = ".sigmf-data";

std::string utc_now_iso8601()
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace

std::string sigmf_meta_path(const std::string& data_path)
{
    if (data_path.size() > kDataSuffix.size() &&
        data_path.compare(data_path.size() - kDataSuffix.size(), kDataSuffix.size(), kDataSuffix) == 0)
        return data_path.substr(0, data_path.size() - kDataSuffix.size()) + ".sigmf-meta";
    return data_path + ".sigmf-meta";
}

void write_sigmf_meta(const std::string& data_path, const SigmfInfo& info)
{
    json global = {
        { "core:datatype", info.datatype },
        { "core:sample_rate", info.sample_rate },
        { "core:version", "1.0.0" },
        { "core:recorder", "dualsat-modemd" },
        { "core:description", info.description },
        { "core:extensions",
          json::array({ { { "name", "dualsat" }, { "version", "0.1.0" }, { "optional", true } } }) },
        { "dualsat:modcod", info.modcod },
        { "dualsat:frame", info.frame },
        { "dualsat:pilots", info.pilots },
        { "dualsat:symbol_rate", info.symbol_rate },
        { "dualsat:rolloff", info.rolloff },
    };
    if (!info.hw.empty())
        global["core:hw"] = info.hw;
    json capture = { { "core:sample_start", 0 }, { "core:datetime", utc_now_iso8601() } };
    if (info.frequency > 0)
        capture["core:frequency"] = info.frequency;
    json meta = { { "global", global },
                  { "captures", json::array({ capture }) },
                  { "annotations", json::array() } };
    if (info.sample_count > 0)
        meta["annotations"].push_back({ { "core:sample_start", 0 },
                                        { "core:sample_count", info.sample_count },
                                        { "core:comment", "DVB-S2 PLFRAMEs, RRC shaped" } });

    const std::string path = sigmf_meta_path(data_path);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out)
            throw dualsat::Error("cannot write SigMF metadata '" + tmp + "'");
        // Strings come from the config (description), which may hold any bytes: invalid
        // UTF-8 is written as U+FFFD instead of failing the recording.
        out << meta.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
        // The text sits in the stream's buffer until close(): on a full disk the write
        // fails only there. Checked before the rename, so a failed write never replaces
        // the metadata already on disk with an empty or truncated file.
        out.close();
        if (!out) {
            std::remove(tmp.c_str());
            throw dualsat::Error("cannot write SigMF metadata '" + tmp + "' (disk full?)");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw dualsat::Error("cannot rename '" + tmp + "' to '" + path + "'");
}

SigmfInfo read_sigmf_meta(const std::string& data_path, double expected_sample_rate)
{
    const std::string path = sigmf_meta_path(data_path);
    auto fail = [&](const std::string& what) -> dualsat::ConfigError {
        return dualsat::ConfigError("SigMF metadata '" + path + "': " + what);
    };
    std::ifstream in(path);
    if (!in)
        throw fail("missing (a recording needs its .sigmf-meta beside it)");
    json meta;
    try {
        meta = json::parse(in);
    } catch (const json::exception& e) { // parse_error, or out_of_range for 1e400
        throw fail(std::string("not valid JSON: ") + e.what());
    }
    if (!meta.is_object() || !meta.contains("global") || !meta["global"].is_object())
        throw fail("no 'global' object");
    const json& g = meta["global"];
    SigmfInfo info;
    if (!g.contains("core:datatype") || !g["core:datatype"].is_string())
        throw fail("global.core:datatype missing");
    info.datatype = g["core:datatype"].get<std::string>();
    if (info.datatype != "cf32_le")
        throw fail("global.core:datatype is '" + info.datatype +
                   "'; only cf32_le (complex float32) is supported");
    if (!g.contains("core:sample_rate") || !g["core:sample_rate"].is_number())
        throw fail("global.core:sample_rate missing");
    info.sample_rate = g["core:sample_rate"].get<double>();
    if (!(info.sample_rate > 0))
        throw fail("global.core:sample_rate must be positive");
    if (expected_sample_rate > 0 &&
        std::abs(info.sample_rate - expected_sample_rate) > 1e-6 * expected_sample_rate) {
        std::ostringstream os;
        os << "global.core:sample_rate is " << info.sample_rate
           << " but radio.sample_rate is " << expected_sample_rate;
        throw fail(os.str());
    }
    auto str = [&](const char* k) {
        return g.contains(k) && g[k].is_string() ? g[k].get<std::string>() : std::string();
    };
    auto num = [&](const char* k) {
        return g.contains(k) && g[k].is_number() ? g[k].get<double>() : 0.0;
    };
    info.description = str("core:description");
    info.hw = str("core:hw");
    info.modcod = str("dualsat:modcod");
    info.frame = str("dualsat:frame");
    info.symbol_rate = num("dualsat:symbol_rate");
    info.rolloff = num("dualsat:rolloff");
    info.pilots = g.contains("dualsat:pilots") && g["dualsat:pilots"].is_boolean() &&
                  g["dualsat:pilots"].get<bool>();
    if (meta.contains("captures") && meta["captures"].is_array() && !meta["captures"].empty()) {
        const json& c = meta["captures"][0];
        if (c.contains("core:frequency") && c["core:frequency"].is_number())
            info.frequency = c["core:frequency"].get<double>();
    }
    struct stat st;
    if (::stat(data_path.c_str(), &st) != 0)
        throw dualsat::ConfigError("SigMF data file '" + data_path + "' does not exist");
    if (st.st_size % 8 != 0)
        throw dualsat::ConfigError("SigMF data file '" + data_path + "': " +
                                   std::to_string(st.st_size) +
                                   " bytes is not a whole number of cf32 samples");
    info.sample_count = static_cast<uint64_t>(st.st_size) / 8;
    return info;
}

} // namespace modemd

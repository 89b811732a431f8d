// SPDX-License-Identifier: GPL-3.0-or-later
//
// A ModemControl for the control-API fuzz targets: validates like the daemon's Modem
// (MODCOD names, frame sizes, directions) without GNU Radio, never throws, and records
// what reached it so the targets can check that nothing unauthorised or malformed did.
#pragma once

#include "control_api.h"

#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>

#include <cmath>

namespace fuzz {

class FakeModem : public modemd::ModemControl
{
public:
    int actions = 0; // set_* calls that reached the modem
    bool bad_argument = false; // a set_* call with a value the API should have refused

    nlohmann::json status() override
    {
        return { { "running", true }, { "modcod", "QPSK 1/2" }, { "frames", 12345 } };
    }
    std::string metrics() override { return kMetrics; }
    modemd::ControlResult set_modcod(const std::string& modcod,
                                     const std::optional<std::string>& frame,
                                     const std::optional<bool>&) override
    {
        ++actions;
        try {
            const dualsat::ModCod mc = dualsat::parse_modcod(modcod);
            const dualsat::FrameSize fs = frame ? dualsat::parse_frame_size(*frame)
                                                : dualsat::FrameSize::Normal;
            if (!dualsat::code_exists(fs, mc.rate))
                return modemd::ControlResult::fail(400, "no such code");
            return modemd::ControlResult::ok({ { "modcod", dualsat::to_string(mc) } });
        } catch (const dualsat::Error& e) {
            return modemd::ControlResult::fail(400, e.what());
        }
    }
    modemd::ControlResult set_gain(double gain_db, const std::string& direction) override
    {
        ++actions;
        bad_argument |= !std::isfinite(gain_db) || (direction != "tx" && direction != "rx");
        return modemd::ControlResult::ok({ { "gain_db", gain_db } });
    }
    modemd::ControlResult set_frequency(double freq_hz, const std::string& direction) override
    {
        ++actions;
        bad_argument |= !std::isfinite(freq_hz) || (direction != "tx" && direction != "rx");
        if (freq_hz <= 0)
            return modemd::ControlResult::fail(400, "frequency must be positive");
        return modemd::ControlResult::ok({ { "freq_hz", freq_hz } });
    }

    static constexpr const char* kMetrics =
        "# HELP dualsat_frames_total Frames.\n# TYPE dualsat_frames_total counter\n"
        "dualsat_frames_total 12345\n";
};

// The token the targets configure when authentication is on.
constexpr const char* kToken = "fuzz-token-0123456789abcdef";

} // namespace fuzz

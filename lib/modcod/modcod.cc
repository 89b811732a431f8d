// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

namespace dualsat {
namespace {

// ETSI EN 302 307-1 Table 5a (normal FECFRAME, n_ldpc = 64800).
constexpr std::array<CodeParams, kNumCodeRates> kNormal = { {
    { FrameSize::Normal, CodeRate::R1_4, 16008, 16200, 12, 64800 },
    { FrameSize::Normal, CodeRate::R1_3, 21408, 21600, 12, 64800 },
    { FrameSize::Normal, CodeRate::R2_5, 25728, 25920, 12, 64800 },
    { FrameSize::Normal, CodeRate::R1_2, 32208, 32400, 12, 64800 },
    { FrameSize::Normal, CodeRate::R3_5, 38688, 38880, 12, 64800 },
    { FrameSize::Normal, CodeRate::R2_3, 43040, 43200, 10, 64800 },
    { FrameSize::Normal, CodeRate::R3_4, 48408, 48600, 12, 64800 },
    { FrameSize::Normal, CodeRate::R4_5, 51648, 51840, 12, 64800 },
    { FrameSize::Normal, CodeRate::R5_6, 53840, 54000, 10, 64800 },
    { FrameSize::Normal, CodeRate::R8_9, 57472, 57600, 8, 64800 },
    { FrameSize::Normal, CodeRate::R9_10, 58192, 58320, 8, 64800 },
} };

// ETSI EN 302 307-1 Table 5b (short FECFRAME, n_ldpc = 16200). Short 1/4 has
// k_ldpc = 3240 (effective rate 1/5). There is no short 9/10 (nbch = 0 marks it).
constexpr std::array<CodeParams, kNumCodeRates> kShort = { {
    { FrameSize::Short, CodeRate::R1_4, 3072, 3240, 12, 16200 },
    { FrameSize::Short, CodeRate::R1_3, 5232, 5400, 12, 16200 },
    { FrameSize::Short, CodeRate::R2_5, 6312, 6480, 12, 16200 },
    { FrameSize::Short, CodeRate::R1_2, 7032, 7200, 12, 16200 },
    { FrameSize::Short, CodeRate::R3_5, 9552, 9720, 12, 16200 },
    { FrameSize::Short, CodeRate::R2_3, 10632, 10800, 12, 16200 },
    { FrameSize::Short, CodeRate::R3_4, 11712, 11880, 12, 16200 },
    { FrameSize::Short, CodeRate::R4_5, 12432, 12600, 12, 16200 },
    { FrameSize::Short, CodeRate::R5_6, 13152, 13320, 12, 16200 },
    { FrameSize::Short, CodeRate::R8_9, 14232, 14400, 12, 16200 },
    { FrameSize::Short, CodeRate::R9_10, 0, 0, 0, 16200 },
} };

// Table 12: MODCOD numbers. Index by constellation, then the first code rate it uses.
struct ModRange {
    Modulation mod;
    CodeRate first;
    CodeRate last;
    int first_number;
};
constexpr std::array<ModRange, 4> kModRanges = { {
    { Modulation::QPSK, CodeRate::R1_4, CodeRate::R9_10, 1 },
    { Modulation::PSK8, CodeRate::R3_5, CodeRate::R9_10, 12 },
    { Modulation::APSK16, CodeRate::R2_3, CodeRate::R9_10, 18 },
    { Modulation::APSK32, CodeRate::R3_4, CodeRate::R9_10, 24 },
} };

// The rate lists differ per constellation (8PSK has no 4/5, 32APSK starts at 3/4); they
// are spelled out as in Table 12 rather than derived.
const std::vector<CodeRate>& rates_of(Modulation mod)
{
    static const std::vector<CodeRate> qpsk = { CodeRate::R1_4, CodeRate::R1_3, CodeRate::R2_5,
                                                CodeRate::R1_2, CodeRate::R3_5, CodeRate::R2_3,
                                                CodeRate::R3_4, CodeRate::R4_5, CodeRate::R5_6,
                                                CodeRate::R8_9, CodeRate::R9_10 };
    static const std::vector<CodeRate> psk8 = { CodeRate::R3_5, CodeRate::R2_3, CodeRate::R3_4,
                                                CodeRate::R5_6, CodeRate::R8_9, CodeRate::R9_10 };
    static const std::vector<CodeRate> apsk16 = { CodeRate::R2_3, CodeRate::R3_4, CodeRate::R4_5,
                                                  CodeRate::R5_6, CodeRate::R8_9, CodeRate::R9_10 };
    static const std::vector<CodeRate> apsk32 = { CodeRate::R3_4, CodeRate::R4_5, CodeRate::R5_6,
                                                  CodeRate::R8_9, CodeRate::R9_10 };
    switch (mod) {
    case Modulation::QPSK:
        return qpsk;
    case Modulation::PSK8:
        return psk8;
    case Modulation::APSK16:
        return apsk16;
    case Modulation::APSK32:
        return apsk32;
    }
    throw ConfigError("unknown modulation");
}

const ModRange& range_of(Modulation mod)
{
    for (const auto& r : kModRanges)
        if (r.mod == mod)
            return r;
    throw ConfigError("unknown modulation");
}

std::string normalise(const std::string& text)
{
    std::string out;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c)))
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

} // namespace

bool code_exists(FrameSize frame, CodeRate rate)
{
    auto idx = static_cast<size_t>(rate);
    if (idx >= kNumCodeRates)
        return false;
    return (frame == FrameSize::Normal ? kNormal[idx] : kShort[idx]).nbch != 0;
}

const CodeParams& code_params(FrameSize frame, CodeRate rate)
{
    if (!code_exists(frame, rate))
        throw ConfigError("no " + to_string(frame) + " FECFRAME with code rate " +
                          to_string(rate) + " in EN 302 307-1");
    auto idx = static_cast<size_t>(rate);
    return frame == FrameSize::Normal ? kNormal[idx] : kShort[idx];
}

int bits_per_symbol(Modulation mod)
{
    switch (mod) {
    case Modulation::QPSK:
        return 2;
    case Modulation::PSK8:
        return 3;
    case Modulation::APSK16:
        return 4;
    case Modulation::APSK32:
        return 5;
    }
    throw ConfigError("unknown modulation");
}

bool modcod_valid(const ModCod& mc)
{
    const auto& r = rates_of(mc.mod);
    return std::find(r.begin(), r.end(), mc.rate) != r.end();
}

int modcod_number(const ModCod& mc)
{
    const auto& r = rates_of(mc.mod);
    auto it = std::find(r.begin(), r.end(), mc.rate);
    if (it == r.end())
        throw ConfigError("no MODCOD " + to_string(mc) + " in EN 302 307-1 Table 12");
    return range_of(mc.mod).first_number + static_cast<int>(it - r.begin());
}

ModCod modcod_from_number(int number)
{
    for (const auto& range : kModRanges) {
        const auto& r = rates_of(range.mod);
        int offset = number - range.first_number;
        if (offset >= 0 && offset < static_cast<int>(r.size()))
            return ModCod{ range.mod, r[static_cast<size_t>(offset)] };
    }
    throw ConfigError("MODCOD number " + std::to_string(number) + " is not in 1..28");
}

int FrameFormat::data_symbols() const
{
    return code().nldpc / bits_per_symbol(modcod.mod);
}

int FrameFormat::slots() const { return data_symbols() / 90; }

int FrameFormat::pilot_blocks() const
{
    // §5.5.3: a pilot block after every 16 slots, none after the last slot group when
    // it would end the frame.
    return pilots ? (slots() - 1) / 16 : 0;
}

int FrameFormat::plframe_symbols() const
{
    return 90 + data_symbols() + 36 * pilot_blocks();
}

std::vector<FrameFormat> all_frame_formats(FrameSize frame, bool pilots)
{
    std::vector<FrameFormat> out;
    for (const auto& range : kModRanges)
        for (CodeRate rate : rates_of(range.mod))
            if (code_exists(frame, rate))
                out.push_back(FrameFormat{ ModCod{ range.mod, rate }, frame, pilots });
    return out;
}

std::string to_string(CodeRate rate)
{
    static const char* names[kNumCodeRates] = { "1/4", "1/3", "2/5", "1/2", "3/5", "2/3",
                                                "3/4", "4/5", "5/6", "8/9", "9/10" };
    auto idx = static_cast<size_t>(rate);
    return idx < kNumCodeRates ? names[idx] : "?";
}

std::string to_string(Modulation mod)
{
    switch (mod) {
    case Modulation::QPSK:
        return "QPSK";
    case Modulation::PSK8:
        return "8PSK";
    case Modulation::APSK16:
        return "16APSK";
    case Modulation::APSK32:
        return "32APSK";
    }
    return "?";
}

std::string to_string(FrameSize frame) { return frame == FrameSize::Normal ? "normal" : "short"; }

std::string to_string(const ModCod& mc) { return to_string(mc.mod) + " " + to_string(mc.rate); }

std::string to_string(const FrameFormat& f)
{
    return to_string(f.modcod) + " " + to_string(f.frame) + (f.pilots ? " pilots" : " nopilots");
}

CodeRate parse_code_rate(const std::string& text)
{
    std::string t = normalise(text);
    std::replace(t.begin(), t.end(), '_', '/');
    for (int i = 0; i < kNumCodeRates; ++i)
        if (t == to_string(static_cast<CodeRate>(i)))
            return static_cast<CodeRate>(i);
    throw ConfigError("unknown code rate '" + text + "' (expected e.g. 1/2, 3/5, 9/10)");
}

Modulation parse_modulation(const std::string& text)
{
    std::string t = normalise(text);
    for (Modulation m : { Modulation::QPSK, Modulation::PSK8, Modulation::APSK16, Modulation::APSK32 })
        if (t == normalise(to_string(m)))
            return m;
    throw ConfigError("unknown modulation '" + text + "' (expected QPSK, 8PSK, 16APSK or 32APSK)");
}

FrameSize parse_frame_size(const std::string& text)
{
    std::string t = normalise(text);
    if (t == "normal" || t == "64800")
        return FrameSize::Normal;
    if (t == "short" || t == "16200")
        return FrameSize::Short;
    throw ConfigError("unknown frame size '" + text + "' (expected normal or short)");
}

ModCod parse_modcod(const std::string& text)
{
    std::string t = normalise(text);
    // Split "<modulation><sep><rate>" where sep is '_' or '-' or nothing.
    for (Modulation m : { Modulation::QPSK, Modulation::PSK8, Modulation::APSK16, Modulation::APSK32 }) {
        std::string name = normalise(to_string(m));
        if (t.compare(0, name.size(), name) == 0) {
            std::string rest = t.substr(name.size());
            if (!rest.empty() && (rest[0] == '_' || rest[0] == '-'))
                rest.erase(0, 1);
            ModCod mc{ m, parse_code_rate(rest) };
            if (!modcod_valid(mc))
                throw ConfigError("MODCOD '" + text + "' is not defined in EN 302 307-1 Table 12");
            return mc;
        }
    }
    throw ConfigError("unknown MODCOD '" + text + "' (expected e.g. 'QPSK 1/2' or '8psk_3_5')");
}

FrameFormat parse_frame_format(const std::string& text, const FrameFormat& base)
{
    const auto error = [&text](const std::string& why) {
        return ConfigError("frame format '" + text + "': " + why +
                           " (the words: a MODCOD, normal|short, pilots|nopilots, e.g. "
                           "'8PSK 3/5 short pilots')");
    };
    FrameFormat f = base;
    bool have_frame = false, have_pilots = false;
    std::string modcod; // its words, wherever they are
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
        const std::string w = normalise(word);
        if (w == "normal" || w == "short") {
            if (have_frame)
                throw error("two frame sizes");
            f.frame = w == "short" ? FrameSize::Short : FrameSize::Normal;
            have_frame = true;
        } else if (w == "pilots" || w == "pilots_on" || w == "nopilots" || w == "no_pilots" ||
                   w == "pilots_off") {
            if (have_pilots)
                throw error("two pilot settings");
            f.pilots = w == "pilots" || w == "pilots_on";
            have_pilots = true;
        } else {
            modcod += (modcod.empty() ? "" : " ") + word;
        }
    }
    if (modcod.empty() && !have_frame && !have_pilots)
        throw error("nothing in it");
    if (!modcod.empty()) {
        try {
            f.modcod = parse_modcod(modcod);
        } catch (const ConfigError& e) {
            throw error("'" + modcod + "' is not a MODCOD: " + e.what());
        }
    }
    if (!code_exists(f.frame, f.modcod.rate)) // well formed, so no syntax hint
        throw ConfigError("frame format '" + text + "': " + to_string(f.modcod) +
                          " does not exist with " + to_string(f.frame) +
                          " frames (EN 302 307-1 Table 5b has no short 9/10)");
    return f;
}

double rolloff_value(RollOff ro)
{
    switch (ro) {
    case RollOff::R035:
        return 0.35;
    case RollOff::R025:
        return 0.25;
    case RollOff::R020:
        return 0.20;
    }
    throw ConfigError("unknown roll-off");
}

} // namespace dualsat

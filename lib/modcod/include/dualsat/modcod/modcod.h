// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 MODCODs and FEC frame parameters (ETSI EN 302 307-1 §5.3, §5.5.2, Tables 5a/5b, 12).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dualsat {

enum class FrameSize : uint8_t { Normal = 0, Short = 1 };

// In the order of the standard's MODCOD numbering within each constellation.
enum class CodeRate : uint8_t { R1_4, R1_3, R2_5, R1_2, R3_5, R2_3, R3_4, R4_5, R5_6, R8_9, R9_10 };

enum class Modulation : uint8_t { QPSK, PSK8, APSK16, APSK32 };

constexpr int kNumCodeRates = 11;

// Roll-off of the square-root raised-cosine shaping (EN 302 307-1 §5.6), coded in the
// MATYPE-1 RO field (§5.1.6); 11 is reserved.
enum class RollOff : uint8_t { R035 = 0, R025 = 1, R020 = 2 };
double rolloff_value(RollOff ro);

// FEC parameters of one (frame size, code rate): Tables 5a and 5b.
struct CodeParams {
    FrameSize frame;
    CodeRate rate;
    int kbch;  // BBFRAME length in bits (BCH information bits)
    int nbch;  // BCH codeword bits = LDPC information bits (k_ldpc)
    int t;     // BCH error-correction capability
    int nldpc; // 64800 or 16200
};

// Throws ConfigError for the one pair the standard does not define (short 9/10).
const CodeParams& code_params(FrameSize frame, CodeRate rate);
bool code_exists(FrameSize frame, CodeRate rate);

int bits_per_symbol(Modulation mod);

struct ModCod {
    Modulation mod = Modulation::QPSK;
    CodeRate rate = CodeRate::R1_2;
    bool operator==(const ModCod& o) const { return mod == o.mod && rate == o.rate; }
    bool operator!=(const ModCod& o) const { return !(*this == o); }
};

// MODCOD number carried in the PLSC, 1..28 (Table 12); 0 is the dummy PLFRAME.
int modcod_number(const ModCod& mc);
ModCod modcod_from_number(int number); // throws ConfigError outside 1..28
bool modcod_valid(const ModCod& mc);   // the 28 combinations of Table 12

// Everything that may change from one PLFRAME to the next (VCM/ACM).
struct FrameFormat {
    ModCod modcod;
    FrameSize frame = FrameSize::Normal;
    bool pilots = false;

    const CodeParams& code() const { return code_params(frame, modcod.rate); }
    int data_symbols() const;  // XFECFRAME symbols: nldpc / bits per symbol
    int slots() const;         // data_symbols / 90
    int pilot_blocks() const;  // 36-symbol pilot blocks, one after every 16 slots if on
    int plframe_symbols() const; // PLHEADER (90) + data + pilots
    bool operator==(const FrameFormat& o) const
    {
        return modcod == o.modcod && frame == o.frame && pilots == o.pilots;
    }
    bool operator!=(const FrameFormat& o) const { return !(*this == o); }
};

// Every valid FrameFormat with the given pilot setting: 28 normal, 24 short.
std::vector<FrameFormat> all_frame_formats(FrameSize frame, bool pilots);

std::string to_string(CodeRate rate);     // "1/2"
std::string to_string(Modulation mod);    // "QPSK", "8PSK", "16APSK", "32APSK"
std::string to_string(FrameSize frame);   // "normal", "short"
std::string to_string(const ModCod& mc);  // "8PSK 3/5"
std::string to_string(const FrameFormat& f); // "8PSK 3/5 normal pilots"

// Parsers for configs and GRC parameters; throw ConfigError naming the bad text.
CodeRate parse_code_rate(const std::string& text);
Modulation parse_modulation(const std::string& text);
FrameSize parse_frame_size(const std::string& text);
ModCod parse_modcod(const std::string& text); // "QPSK 1/2", "qpsk_1_2", "8psk-3/5"

// A frame format as words, the inverse of to_string(FrameFormat): a MODCOD as
// parse_modcod() reads it, "normal" or "short", "pilots" or "nopilots" ("pilots_on",
// "pilots_off", "no_pilots" too), in any order and case. A part left out is base's (a
// change to a format, as tx_bc's "modcod" message port takes it), but at least one part
// must be there. "8PSK 3/5 short pilots", "qpsk_1_2", "short nopilots". ConfigError,
// quoting the text: an unknown word, a part given twice, no part, or a MODCOD that the
// frame size lacks (short 9/10, EN 302 307-1 Table 5b).
FrameFormat parse_frame_format(const std::string& text, const FrameFormat& base = FrameFormat{});

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>

using namespace dualsat;

TEST_CASE("MODCOD numbering follows Table 12", "[modcod]")
{
    CHECK(modcod_number({ Modulation::QPSK, CodeRate::R1_4 }) == 1);
    CHECK(modcod_number({ Modulation::QPSK, CodeRate::R9_10 }) == 11);
    CHECK(modcod_number({ Modulation::PSK8, CodeRate::R3_5 }) == 12);
    CHECK(modcod_number({ Modulation::PSK8, CodeRate::R5_6 }) == 15);
    CHECK(modcod_number({ Modulation::APSK16, CodeRate::R2_3 }) == 18);
    CHECK(modcod_number({ Modulation::APSK32, CodeRate::R3_4 }) == 24);
    CHECK(modcod_number({ Modulation::APSK32, CodeRate::R9_10 }) == 28);
    for (int n = 1; n <= 28; ++n)
        CHECK(modcod_number(modcod_from_number(n)) == n);
    CHECK_THROWS_AS(modcod_from_number(0), ConfigError);
    CHECK_THROWS_AS(modcod_from_number(29), ConfigError);
    CHECK_THROWS_AS(modcod_number({ Modulation::PSK8, CodeRate::R4_5 }), ConfigError);
    CHECK_THROWS_AS(modcod_number({ Modulation::APSK32, CodeRate::R2_3 }), ConfigError);
}

TEST_CASE("frame formats: 28 normal and 24 short MODCODs", "[modcod]")
{
    CHECK(all_frame_formats(FrameSize::Normal, false).size() == 28);
    CHECK(all_frame_formats(FrameSize::Short, true).size() == 24);
    CHECK_FALSE(code_exists(FrameSize::Short, CodeRate::R9_10));
    CHECK_THROWS_AS(code_params(FrameSize::Short, CodeRate::R9_10), ConfigError);
}

TEST_CASE("BCH/LDPC parameters match Tables 5a and 5b", "[modcod]")
{
    const auto& n12 = code_params(FrameSize::Normal, CodeRate::R1_2);
    CHECK(n12.kbch == 32208);
    CHECK(n12.nbch == 32400);
    CHECK(n12.t == 12);
    CHECK(code_params(FrameSize::Normal, CodeRate::R2_3).t == 10);
    CHECK(code_params(FrameSize::Normal, CodeRate::R8_9).t == 8);
    CHECK(code_params(FrameSize::Short, CodeRate::R1_4).nbch == 3240);
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (const auto& f : all_frame_formats(fs, false)) {
            const auto& c = f.code();
            CHECK(c.nbch - c.kbch == 16 * c.t + (fs == FrameSize::Short ? -2 * c.t : 0));
            CHECK(c.kbch % 8 == 0);
        }
}

TEST_CASE("PLFRAME lengths", "[modcod]")
{
    // EN 302 307-1 §5.5: QPSK normal is 360 slots; with pilots 22 blocks of 36 symbols.
    FrameFormat f{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, false };
    CHECK(f.slots() == 360);
    CHECK(f.plframe_symbols() == 32490);
    f.pilots = true;
    CHECK(f.plframe_symbols() == 33282);
    FrameFormat s{ { Modulation::APSK32, CodeRate::R3_4 }, FrameSize::Short, true };
    CHECK(s.slots() == 36);
    CHECK(s.pilot_blocks() == 2);
    CHECK(s.plframe_symbols() == 90 + 3240 + 72);
}

TEST_CASE("MODCOD text round trip and errors", "[modcod]")
{
    for (int n = 1; n <= 28; ++n) {
        ModCod mc = modcod_from_number(n);
        CHECK(parse_modcod(to_string(mc)) == mc);
    }
    CHECK(parse_modcod("8psk_3_5") == ModCod{ Modulation::PSK8, CodeRate::R3_5 });
    CHECK(parse_modcod("qpsk-1/2") == ModCod{ Modulation::QPSK, CodeRate::R1_2 });
    CHECK_THROWS_AS(parse_modcod("8PSK 1/2"), ConfigError);
    CHECK_THROWS_AS(parse_modcod("64QAM 1/2"), ConfigError);
    CHECK_THROWS_AS(parse_code_rate("7/8"), ConfigError);
    CHECK(parse_frame_size("SHORT") == FrameSize::Short);
    CHECK_THROWS_AS(parse_frame_size("medium"), ConfigError);
}

namespace {

// The message of the ConfigError parse_frame_format throws; "" if it throws none.
std::string frame_format_error(const std::string& text, const FrameFormat& base = FrameFormat{})
{
    try {
        parse_frame_format(text, base);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("frame format text: to_string round trip and the accepted spellings", "[modcod]")
{
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (bool pilots : { false, true })
            for (const FrameFormat& f : all_frame_formats(fs, pilots))
                CHECK(parse_frame_format(to_string(f)) == f);

    const FrameFormat psk8{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Short, true };
    CHECK(parse_frame_format("8PSK 3/5 short pilots") == psk8);
    CHECK(parse_frame_format("short 8psk_3_5 PILOTS_ON") == psk8);
    CHECK(parse_frame_format("  8PSK\t3/5   Short  pilots ") == psk8);
    // Parts left out come from the base (default: QPSK 1/2 normal, no pilots).
    CHECK(parse_frame_format("16apsk-2/3") ==
          FrameFormat{ { Modulation::APSK16, CodeRate::R2_3 }, FrameSize::Normal, false });
    const FrameFormat base{ { Modulation::APSK32, CodeRate::R9_10 }, FrameSize::Normal, true };
    CHECK(parse_frame_format("8PSK 3/5", base) ==
          FrameFormat{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Normal, true });
    CHECK(parse_frame_format("no_pilots", base) ==
          FrameFormat{ base.modcod, FrameSize::Normal, false });
    CHECK(parse_frame_format("QPSK 1/4 short pilots_off", base) ==
          FrameFormat{ { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, false });
}

TEST_CASE("frame format text: bad text is a ConfigError that says what is wrong", "[modcod]")
{
    using Catch::Matchers::Contains;
    using Catch::Matchers::Equals;
    CHECK_THAT(frame_format_error("8PSK 3/5 tiny"),
               Contains("frame format '8PSK 3/5 tiny': '8PSK 3/5 tiny' is not a MODCOD"));
    CHECK_THAT(frame_format_error("8PSK 3/5 tiny"), Contains("e.g. '8PSK 3/5 short pilots'"));
    CHECK_THAT(frame_format_error("9PSK 1/2 short"), Contains("unknown MODCOD '9PSK 1/2'"));
    CHECK_THAT(frame_format_error("8PSK 1/4"), Contains("not defined in EN 302 307-1 Table 12"));
    CHECK_THAT(frame_format_error(""), Contains("nothing in it"));
    CHECK_THAT(frame_format_error(" \t "), Contains("nothing in it"));
    CHECK_THAT(frame_format_error("8PSK 3/5 short normal"), Contains("two frame sizes"));
    CHECK_THAT(frame_format_error("QPSK 1/2 pilots nopilots"), Contains("two pilot settings"));
    CHECK_THAT(frame_format_error("QPSK 9/10 short"),
               Equals("frame format 'QPSK 9/10 short': QPSK 9/10 does not exist with short "
                      "frames (EN 302 307-1 Table 5b has no short 9/10)"));
    // Short 9/10 also when only the frame size changes.
    const FrameFormat base{ { Modulation::APSK32, CodeRate::R9_10 }, FrameSize::Normal, true };
    CHECK_THAT(frame_format_error("short", base),
               Contains("32APSK 9/10 does not exist with short frames"));
    CHECK(frame_format_error("normal", base).empty());
}

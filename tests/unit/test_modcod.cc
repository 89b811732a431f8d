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

// SPDX-License-Identifier: GPL-3.0-or-later
// PLFRAME layout, round trips through PlFramer/PlDeframer, dummy frames, and injected
// (non-standard) sequences.
#include <catch2/catch.hpp>
#include <algorithm>
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_framer.h>

#include <complex>
#include <memory>
#include <random>
#include <vector>

using namespace dualsat;

namespace {

using cvec = std::vector<std::complex<float>>;

cvec random_symbols(int n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    cvec v(static_cast<size_t>(n));
    for (auto& s : v)
        s = { g(rng), g(rng) };
    return v;
}

std::vector<FrameFormat> every_format()
{
    std::vector<FrameFormat> all;
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (bool pilots : { false, true })
            for (const auto& f : all_frame_formats(fs, pilots))
                all.push_back(f);
    return all;
}

uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Stand-ins for the protected profile's keyed sequences: different every frame.
class PerFrameHeader final : public PlHeaderSequence
{
public:
    uint32_t sof_bits(uint64_t fc) const override { return splitmix(fc) & 0x3FFFFFF; }
    uint64_t plsc_mask(uint64_t fc) const override { return splitmix(~fc); }
};

class PerFrameScrambling final : public PlScramblingSequence
{
public:
    const uint8_t* rn(uint64_t fc, int length) override
    {
        m_buf.resize(static_cast<size_t>(length));
        uint64_t state = splitmix(fc * 3 + 1);
        for (auto& r : m_buf) {
            state = splitmix(state);
            r = static_cast<uint8_t>(state & 3);
        }
        return m_buf.data();
    }

private:
    std::vector<uint8_t> m_buf;
};

} // namespace

TEST_CASE("PLFRAME length is FrameFormat::plframe_symbols() for every format", "[pl_framer]")
{
    PlFramer framer(17);
    cvec out(kMaxPlframeSymbols);
    int longest = 0;
    for (const auto& f : every_format()) {
        const cvec data = random_symbols(f.data_symbols(), 1);
        const int n = framer.frame(f, data.data(), out.data());
        REQUIRE(n == f.plframe_symbols());
        // Independent count: header + slots*90 + one pilot block per full 16 slots that
        // is followed by more data.
        const int slots = f.data_symbols() / 90;
        int blocks = 0;
        if (f.pilots)
            for (int s = 16; s < slots; s += 16)
                ++blocks;
        REQUIRE(n == 90 + 90 * slots + 36 * blocks);
        longest = std::max(longest, n);
    }
    CHECK(longest == kMaxPlframeSymbols);
    CHECK(framer.frame_counter() == every_format().size());
}

TEST_CASE("pilot blocks sit after every 16 slots", "[pl_framer]")
{
    for (const auto& f : every_format()) {
        if (!f.pilots)
            continue;
        // Zero data: after descrambling only the pilots are non-zero.
        const cvec data(static_cast<size_t>(f.data_symbols()), { 0.0f, 0.0f });
        cvec frame(static_cast<size_t>(f.plframe_symbols()));
        PlFramer framer(0);
        framer.frame(f, data.data(), frame.data());
        GoldScrambling gold(0);
        const int payload = f.plframe_symbols() - 90;
        cvec plain(static_cast<size_t>(payload));
        pl_descramble(frame.data() + 90, gold.rn(0, payload), payload, plain.data());
        int pilots = 0;
        for (int i = 0; i < payload; ++i) {
            // Block k (0-based) starts at 1440 (k+1) + 36 k.
            bool expected = false;
            for (int k = 0; k < f.pilot_blocks(); ++k) {
                const int start = 1440 * (k + 1) + 36 * k;
                expected = expected || (i >= start && i < start + 36);
            }
            REQUIRE(is_pilot_position(f, i) == expected);
            const auto s = plain[static_cast<size_t>(i)];
            if (expected) {
                ++pilots;
                REQUIRE(std::abs(s - std::complex<float>(kPilotComponent, kPilotComponent)) < 1e-6f);
            } else {
                REQUIRE(s == std::complex<float>(0.0f, 0.0f));
            }
        }
        CHECK(pilots == 36 * f.pilot_blocks());
        CHECK_FALSE(is_pilot_position(f, -1));
        CHECK_FALSE(is_pilot_position(f, payload));
    }
}

TEST_CASE("deframer inverts the framer and reads the header", "[pl_framer]")
{
    PlFramer framer(131072);
    PlDeframer deframer(131072);
    cvec frame(kMaxPlframeSymbols), data_out(kMaxPlframeSymbols), pilots_out(kMaxPlframeSymbols);
    uint32_t seed = 10;
    for (const auto& f : every_format()) {
        const cvec data = random_symbols(f.data_symbols(), ++seed);
        const uint64_t fc = framer.frame_counter();
        framer.frame(f, data.data(), frame.data());
        const PlscDecision d = deframer.decode_header(frame.data(), fc);
        FrameFormat decoded;
        REQUIRE(d.usable);
        REQUIRE(interpret_pls(d.code, &decoded) == PlsStatus::Valid);
        REQUIRE(decoded == f);
        REQUIRE(deframer.deframe(decoded, frame.data(), fc, data_out.data(), pilots_out.data()) ==
                f.plframe_symbols());
        for (int i = 0; i < f.data_symbols(); ++i)
            REQUIRE(data_out[static_cast<size_t>(i)] == data[static_cast<size_t>(i)]);
        for (int i = 0; i < 36 * f.pilot_blocks(); ++i)
            REQUIRE(std::abs(pilots_out[static_cast<size_t>(i)] -
                             std::complex<float>(kPilotComponent, kPilotComponent)) < 1e-6f);
        // Pilots are optional on the way out.
        REQUIRE_NOTHROW(deframer.deframe(f, frame.data(), fc, data_out.data(), nullptr));
    }
}

TEST_CASE("dummy PLFRAME: MODCOD 0 header, 36 scrambled slots of (1+j)/sqrt2", "[pl_framer]")
{
    PlFramer framer(262141);
    cvec frame(kDummyFrameSymbols);
    REQUIRE(framer.dummy_frame(frame.data()) == 3330);
    CHECK(framer.frame_counter() == 1);
    PlDeframer deframer(262141);
    const PlscDecision d = deframer.decode_header(frame.data(), 0);
    REQUIRE(d.usable);
    CHECK(interpret_pls(d.code, nullptr) == PlsStatus::Dummy);
    CHECK(d.code == dummy_pls_code());
    // Payload = Gold-scrambled (1+j)/sqrt2, checked against the bare sequence.
    GoldScrambling gold(262141);
    const uint8_t* rn = gold.rn(0, 3240);
    const std::complex<float> j(0.0f, 1.0f), p(kPilotComponent, kPilotComponent);
    for (int i = 0; i < 3240; ++i)
        REQUIRE(std::abs(frame[static_cast<size_t>(90 + i)] - p * std::pow(j, static_cast<int>(rn[i]))) < 1e-6f);
    cvec payload(3240);
    REQUIRE(deframer.deframe_dummy(frame.data(), 0, payload.data()) == 3330);
    for (const auto& s : payload)
        REQUIRE(s == p);
}

TEST_CASE("injected per-frame sequences drive framer and deframer", "[pl_framer]")
{
    auto make_framer = [] {
        return PlFramer(std::make_shared<PerFrameHeader>(), std::make_shared<PerFrameScrambling>());
    };
    PlFramer framer = make_framer();
    PlDeframer deframer(std::make_shared<PerFrameHeader>(), std::make_shared<PerFrameScrambling>());
    PlDeframer standard(0);
    const FrameFormat f{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Short, true };
    const cvec data = random_symbols(f.data_symbols(), 77);
    cvec a(static_cast<size_t>(f.plframe_symbols())), b(a.size()), out(a.size());
    framer.frame(f, data.data(), a.data());
    framer.frame(f, data.data(), b.data());
    // Same data, different frame counter: header and scrambling differ.
    int same_header = 0;
    for (int i = 0; i < 90; ++i)
        same_header += a[static_cast<size_t>(i)] == b[static_cast<size_t>(i)];
    CHECK(same_header < 80);
    for (uint64_t fc : { 0ull, 1ull }) {
        const cvec& frame = fc == 0 ? a : b;
        FrameFormat decoded;
        REQUIRE(interpret_pls(deframer.decode_header(frame.data(), fc).code, &decoded) ==
                PlsStatus::Valid);
        REQUIRE(decoded == f);
        deframer.deframe(f, frame.data(), fc, out.data());
        for (int i = 0; i < f.data_symbols(); ++i)
            REQUIRE(out[static_cast<size_t>(i)] == data[static_cast<size_t>(i)]);
        // With the frame's R given (as the symbol receiver does): the same symbols; with
        // another frame's R: not.
        PerFrameScrambling r;
        const int payload = f.plframe_symbols() - kPlHeaderSymbols;
        const std::vector<uint8_t> own(r.rn(fc, payload), r.rn(fc, payload) + payload);
        const std::vector<uint8_t> other(r.rn(fc + 1, payload), r.rn(fc + 1, payload) + payload);
        cvec with(out.size());
        deframer.deframe_with_rn(f, frame.data(), own.data(), with.data());
        CHECK(std::equal(with.begin(), with.begin() + f.data_symbols(), out.begin()));
        deframer.deframe_with_rn(f, frame.data(), other.data(), with.data());
        CHECK(!std::equal(with.begin(), with.begin() + f.data_symbols(), out.begin()));
    }
    // A standard receiver gets no clean decision out of a keyed header.
    CHECK(standard.decode_header(a.data(), 0).correlation < 0.9f);
    // The standard framer, by contrast, repeats itself frame after frame.
    PlFramer civil(0);
    civil.frame(f, data.data(), a.data());
    civil.frame(f, data.data(), b.data());
    CHECK(a == b);
}

TEST_CASE("framer and deframer reject bad input with ConfigError", "[pl_framer]")
{
    CHECK_THROWS_AS(PlFramer(nullptr, std::make_shared<GoldScrambling>(0)), ConfigError);
    CHECK_THROWS_AS(PlDeframer(std::make_shared<StandardPlHeader>(), nullptr), ConfigError);
    CHECK_THROWS_AS(PlFramer(262142), ConfigError);
    PlFramer framer(0);
    PlDeframer deframer(0);
    cvec buf(kMaxPlframeSymbols);
    const FrameFormat bad{ { Modulation::APSK32, CodeRate::R1_2 }, FrameSize::Normal, false };
    const FrameFormat short910{ { Modulation::QPSK, CodeRate::R9_10 }, FrameSize::Short, false };
    const FrameFormat ok{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Short, false };
    CHECK_THROWS_AS(framer.frame(bad, buf.data(), buf.data()), ConfigError);
    CHECK_THROWS_AS(framer.frame(short910, buf.data(), buf.data()), ConfigError);
    CHECK_THROWS_AS(framer.frame(ok, nullptr, buf.data()), ConfigError);
    CHECK_THROWS_AS(framer.frame(ok, buf.data(), nullptr), ConfigError);
    CHECK_THROWS_AS(framer.dummy_frame(nullptr), ConfigError);
    CHECK(framer.frame_counter() == 0); // nothing was framed
    CHECK_THROWS_AS(deframer.deframe(bad, buf.data(), 0, buf.data()), ConfigError);
    CHECK_THROWS_AS(deframer.deframe(ok, nullptr, 0, buf.data()), ConfigError);
    CHECK_THROWS_AS(deframer.decode_header(nullptr, 0), ConfigError);
}

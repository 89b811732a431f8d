// SPDX-License-Identifier: GPL-3.0-or-later
// Receiver FEC chain: loopback through the library's transmitter stages and AWGN for a
// mix of MODCODs changing every frame (all constellations, both frame sizes), TS and GSE
// (PDUs larger than a BBFRAME), malformed input, the opener hook, and the worker pool
// (in-order output, shutdown with frames in flight).
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/rx/fec_worker_pool.h>
#include <dualsat/framing/gse.h>
#include <dualsat/framing/ts_adaptation.h>

#include "fec_loopback_tx.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace dualsat;
using dualsat_test::FastGaussian;
using dualsat_test::FecTx;

namespace {

using Symbols = std::vector<std::complex<float>>;

FrameFormat fmt(const char* modcod, FrameSize frame, bool pilots = false)
{
    return FrameFormat{ parse_modcod(modcod), frame, pilots };
}

// A mix covering all four constellations, both frame sizes, MODCOD changing every frame.
const std::vector<FrameFormat>& mixed_formats()
{
    static const std::vector<FrameFormat> f = {
        fmt("QPSK 1/2", FrameSize::Short),    fmt("8PSK 3/5", FrameSize::Normal),
        fmt("16APSK 3/4", FrameSize::Short),  fmt("32APSK 4/5", FrameSize::Short),
        fmt("QPSK 1/4", FrameSize::Normal),   fmt("8PSK 9/10", FrameSize::Normal, true),
        fmt("16APSK 8/9", FrameSize::Short),  fmt("32APSK 9/10", FrameSize::Normal),
        fmt("QPSK 8/9", FrameSize::Short),    fmt("8PSK 2/3", FrameSize::Short),
        fmt("16APSK 2/3", FrameSize::Normal), fmt("32APSK 3/4", FrameSize::Short),
    };
    return f;
}

// Es/N0 comfortably above each constellation's hardest rate used here (Table 13 + ~2 dB).
float comfortable_esn0_db(Modulation m)
{
    switch (m) {
    case Modulation::QPSK:
        return 8.5f;
    case Modulation::PSK8:
        return 13.0f;
    case Modulation::APSK16:
        return 15.5f;
    case Modulation::APSK32:
        return 18.5f;
    }
    return 20.0f;
}

struct TsLoopback {
    FecTx tx;
    TsFramer framer{ 4096 };
    FastGaussian noise{ 7 };
    std::vector<uint8_t> sent; // every TS packet queued, in order
    uint8_t cc = 0;

    // One frame's symbols for format f, with the framer topped up so frames are full.
    Symbols frame(const FrameFormat& f, float esn0_db, std::vector<uint8_t>* bbframe = nullptr)
    {
        const int kbch = f.code().kbch;
        while (!framer.can_fill(kbch)) {
            uint8_t pkt[188];
            dualsat_test::random_ts_packet(noise, 0x100, cc, pkt);
            REQUIRE(framer.push(pkt));
            sent.insert(sent.end(), pkt, pkt + 188);
        }
        std::vector<uint8_t> bb(static_cast<size_t>(kbch) / 8);
        framer.build(f, true, RollOff::R035, bb.data());
        Symbols s;
        tx.encode(f, bb.data(), s);
        dualsat_test::add_awgn(s.data(), s.size(), noise_variance_from_esn0_db(esn0_db), noise);
        if (bbframe)
            *bbframe = bb;
        return s;
    }
};

} // namespace

TEST_CASE("FecReceiver: TS loopback over AWGN, MODCOD and frame size changing every frame",
          "[fec_receiver]")
{
    TsLoopback lb;
    FecReceiver rx;
    FecOutput out;
    uint64_t counter = 0;
    for (const auto& f : mixed_formats()) {
        const float esn0 = comfortable_esn0_db(f.modcod.mod);
        Symbols s = lb.frame(f, esn0);
        const FecFrameStats st = rx.process(f, s.data(), s.size(), noise_variance_from_esn0_db(esn0),
                                            counter++, out);
        INFO(to_string(f));
        CHECK(st.status == FecFrameStatus::Ok);
        CHECK(st.ldpc_converged);
        CHECK(st.bbheader_ok);
        CHECK(st.stream_type == StreamType::Transport);
        CHECK(st.format == f);
        CHECK(st.esn0_db == Approx(esn0).margin(1e-3));
        CHECK(st.crc_failures == 0);
        CHECK(st.ldpc_iterations >= 1);
    }
    // Every packet sent is received exactly, except the last one(s) whose CRC byte is
    // still in the framer (a packet is emitted once the next packet's CRC has arrived).
    REQUIRE(out.ts.size() % 188 == 0);
    REQUIRE(out.ts.size() >= lb.sent.size() - 2 * 188);
    REQUIRE(out.ts.size() <= lb.sent.size());
    CHECK(std::memcmp(out.ts.data(), lb.sent.data(), out.ts.size()) == 0);
    const auto& c = rx.counters();
    CHECK(c.frames == mixed_formats().size());
    CHECK(c.frames_ok == c.frames);
    CHECK(c.ts_packets == out.ts.size() / 188);
    CHECK(c.ts_crc_errors == 0);
    CHECK(rx.ts_stats().packets_ok == out.ts.size() / 188);
}

TEST_CASE("FecReceiver: GSE loopback, IP PDUs larger than a BBFRAME", "[fec_receiver]")
{
    std::mt19937 rng(5);
    GseEncapsulator enc;
    struct Pdu {
        std::vector<uint8_t> data;
        uint16_t type;
    };
    std::vector<Pdu> sent;
    // Sizes from a tiny packet to several short BBFRAMEs' worth (short 1/4 carries 378
    // data bytes, normal 9/10 7264).
    const size_t sizes[] = { 40, 1500, 9000, 20, 3000, 64, 12000, 576, 1500, 7000, 100 };
    for (size_t len : sizes) {
        Pdu p;
        p.data.resize(len);
        for (auto& b : p.data)
            b = static_cast<uint8_t>(rng());
        p.data[0] = 0x45;
        p.type = (len % 2) ? 0x86DD : 0x0800;
        REQUIRE(enc.push(p.data.data(), p.data.size(), p.type));
        sent.push_back(std::move(p));
    }

    FecTx tx;
    FastGaussian noise(11);
    FecReceiver rx;
    FecOutput out;
    const auto& formats = mixed_formats();
    uint64_t counter = 0;
    size_t i = 0;
    while (enc.queued_pdus() > 0) {
        REQUIRE(i < 60);
        const FrameFormat& f = formats[i++ % formats.size()];
        std::vector<uint8_t> bb(static_cast<size_t>(f.code().kbch) / 8);
        enc.build(f.code().kbch, false, RollOff::R020, bb.data());
        Symbols s;
        tx.encode(f, bb.data(), s);
        const float esn0 = comfortable_esn0_db(f.modcod.mod);
        dualsat_test::add_awgn(s.data(), s.size(), noise_variance_from_esn0_db(esn0), noise);
        const auto st = rx.process(f, s.data(), s.size(), noise_variance_from_esn0_db(esn0),
                                   counter++, out);
        INFO(to_string(f));
        REQUIRE(st.status == FecFrameStatus::Ok);
        CHECK(st.stream_type == StreamType::GenericContinuous);
    }
    REQUIRE(out.pdus.size() == sent.size());
    size_t fragmented = 0;
    for (size_t k = 0; k < sent.size(); ++k) {
        const GsePduView v = out.pdus[k];
        CHECK(v.protocol_type == sent[k].type);
        REQUIRE(v.size == sent[k].data.size());
        CHECK(std::memcmp(v.data, sent[k].data.data(), v.size) == 0);
        fragmented += v.fragmented;
    }
    CHECK(fragmented >= 3); // the 9000/12000/7000-byte PDUs spanned several frames
    CHECK(rx.counters().gse_pdus == sent.size());
    CHECK(rx.counters().gse_crc_errors == 0);
}

TEST_CASE("FecReceiver: malformed input is a counted drop and the TS stream resumes cleanly",
          "[fec_receiver]")
{
    TsLoopback lb;
    FecReceiver rx;
    FecOutput out;
    const FrameFormat f = fmt("QPSK 2/3", FrameSize::Short);
    const float nv = noise_variance_from_esn0_db(9.0f);
    uint64_t counter = 0;

    auto good = [&] {
        Symbols s = lb.frame(f, 9.0f);
        return rx.process(f, s.data(), s.size(), nv, counter++, out).status;
    };
    REQUIRE(good() == FecFrameStatus::Ok);
    REQUIRE(good() == FecFrameStatus::Ok);
    const size_t before_gap = out.ts.size();

    // A transmitted frame that never decodes: its symbols replaced by the garbage cases.
    Symbols lost = lb.frame(f, 9.0f);
    const size_t n = lost.size();

    SECTION("wrong symbol count")
    {
        CHECK(rx.process(f, lost.data(), n - 1, nv, counter++, out).status == FecFrameStatus::BadInput);
        lost.resize(n + 90);
        CHECK(rx.process(f, lost.data(), lost.size(), nv, counter++, out).status ==
              FecFrameStatus::BadInput);
        CHECK(rx.process(f, nullptr, n, nv, counter++, out).status == FecFrameStatus::BadInput);
        CHECK(rx.counters().frames_bad_input == 3);
    }
    SECTION("bad noise variance")
    {
        const float bad[] = { 0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity() };
        for (float v : bad)
            CHECK(rx.process(f, lost.data(), n, v, counter++, out).status == FecFrameStatus::BadInput);
        CHECK(rx.counters().frames_bad_input == 4);
    }
    SECTION("format the standard does not define")
    {
        FrameFormat bad = fmt("QPSK 9/10", FrameSize::Short); // no short 9/10
        CHECK(rx.process(bad, lost.data(), n, nv, counter++, out).status == FecFrameStatus::BadInput);
        bad.modcod = ModCod{ Modulation::APSK32, CodeRate::R1_2 }; // not in Table 12
        CHECK(rx.process(bad, lost.data(), n, nv, counter++, out).status == FecFrameStatus::BadInput);
    }
    SECTION("all symbols NaN")
    {
        Symbols nan(n, { std::numeric_limits<float>::quiet_NaN(), 0.0f });
        const auto st = rx.process(f, nan.data(), n, nv, counter++, out);
        CHECK(st.status == FecFrameStatus::BadInput); // nothing left to decode
        CHECK(st.erased_symbols == n);
        CHECK(rx.counters().erased_symbols == n);
    }
    SECTION("all symbols zero")
    {
        // Every LLR is 0: the decoder settles on the all-zero codeword, BCH accepts it,
        // and the BBHEADER CRC of the descrambled zeros must reject it.
        Symbols zero(n, { 0.0f, 0.0f });
        const auto st = rx.process(f, zero.data(), n, nv, counter++, out);
        CHECK(st.status != FecFrameStatus::Ok);
        CHECK(rx.counters().frames_ok == 2);
    }
    SECTION("garbage symbols")
    {
        std::mt19937 g(3);
        std::uniform_real_distribution<float> u(-1e6f, 1e6f);
        for (auto& s : lost)
            s = { u(g), u(g) };
        const auto st = rx.process(f, lost.data(), n, nv, counter++, out);
        CHECK(st.status == FecFrameStatus::BchFailure);
        CHECK(rx.counters().frames_bch_failure == 1);
    }
    CHECK(out.ts.size() == before_gap); // nothing from a dropped frame

    // Reception resumes after the gap; what comes out is exactly what was sent, and
    // nothing from before the gap is glued to what follows it.
    for (int k = 0; k < 3; ++k)
        REQUIRE(good() == FecFrameStatus::Ok);
    REQUIRE(out.ts.size() > before_gap);
    size_t matched = 0;
    for (size_t p = 0; p < out.ts.size(); p += 188) {
        bool found = false;
        for (size_t q = 0; q < lb.sent.size(); q += 188)
            if (std::memcmp(out.ts.data() + p, lb.sent.data() + q, 188) == 0) {
                found = true;
                break;
            }
        CHECK(found);
        matched += found;
    }
    CHECK(matched == out.ts.size() / 188);
    CHECK(rx.counters().frames_ok == 5);
    CHECK(rx.counters().ts_crc_errors == 0);
}

TEST_CASE("FecReceiver: NaN symbols are erasures, a few do not cost the frame", "[fec_receiver]")
{
    TsLoopback lb;
    FecReceiver rx;
    FecOutput out;
    const FrameFormat f = fmt("8PSK 3/5", FrameSize::Short);
    std::vector<uint8_t> bb;
    Symbols s = lb.frame(f, 13.0f, &bb);
    for (size_t i = 0; i < s.size(); i += 50)
        s[i] = { std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity() };
    const auto& d = rx.decode_bbframe(f, s.data(), s.size(), noise_variance_from_esn0_db(13.0f), 9);
    CHECK(d.stats.erased_symbols == (s.size() + 49) / 50);
    REQUIRE(d.decoded_ok());
    CHECK(d.bytes == bb); // the BBFRAME entry point returns the descrambled BBFRAME
    CHECK(d.stats.frame_counter == 9);
}

namespace {

// Test opener: frames carry an 8-byte trailer [counter (7 bytes)] [xor of the plain
// bytes]; open() checks and strips it, and rejects replays (counter not increasing).
class TrailerOpener : public BbFrameOpener
{
public:
    size_t open(uint8_t* frame, size_t len, const FrameFormat&, uint64_t) override
    {
        ++calls;
        if (len < 8 + kBbHeaderBytes + 1)
            return 0;
        const size_t plain = len - 8;
        uint8_t x = 0;
        for (size_t i = 0; i < plain; ++i)
            x ^= frame[i];
        uint64_t seq = 0;
        for (size_t i = 0; i < 7; ++i)
            seq = (seq << 8) | frame[plain + i];
        if (x != frame[plain + 7] || (have_last && seq <= last))
            return 0;
        have_last = true;
        last = seq;
        return plain;
    }
    int calls = 0;
    bool have_last = false;
    uint64_t last = 0;
};

} // namespace

TEST_CASE("FecReceiver: BbFrameOpener hook between descrambling and BBHEADER parsing",
          "[fec_receiver]")
{
    auto opener = std::make_shared<TrailerOpener>();
    FecReceiver rx({}, opener);
    FecTx tx;
    FastGaussian noise(3);
    TsFramer framer;
    std::vector<uint8_t> sent;
    uint8_t cc = 0;
    const FrameFormat f = fmt("QPSK 3/4", FrameSize::Short);
    const size_t kbch_bytes = static_cast<size_t>(f.code().kbch) / 8;
    FecOutput out;

    auto send = [&](uint64_t seq, bool corrupt_tag) {
        // Plain BBFRAME of K_bch - 64 bits, then the trailer.
        const int plain_bits = f.code().kbch - 64;
        while (!framer.can_fill(plain_bits)) {
            uint8_t pkt[188];
            dualsat_test::random_ts_packet(noise, 0x44, cc, pkt);
            framer.push(pkt);
            sent.insert(sent.end(), pkt, pkt + 188);
        }
        std::vector<uint8_t> bb(kbch_bytes);
        framer.build(plain_bits, true, RollOff::R035, bb.data());
        uint8_t x = 0;
        for (size_t i = 0; i < kbch_bytes - 8; ++i)
            x ^= bb[i];
        for (size_t i = 0; i < 7; ++i)
            bb[kbch_bytes - 8 + i] = static_cast<uint8_t>(seq >> (8 * (6 - i)));
        bb[kbch_bytes - 1] = static_cast<uint8_t>(x ^ (corrupt_tag ? 1 : 0));
        Symbols s;
        tx.encode(f, bb.data(), s);
        return rx.process(f, s.data(), s.size(), 1e-3f, seq, out).status;
    };
    CHECK(send(1, false) == FecFrameStatus::Ok);
    CHECK(send(2, false) == FecFrameStatus::Ok);
    CHECK(send(3, false) == FecFrameStatus::Ok);
    const size_t good_bytes = out.ts.size();
    REQUIRE(good_bytes > 0);
    CHECK(std::memcmp(out.ts.data(), sent.data(), good_bytes) == 0);
    CHECK(send(4, true) == FecFrameStatus::OpenFailed);  // forged
    CHECK(send(2, false) == FecFrameStatus::OpenFailed); // replayed counter
    CHECK(out.ts.size() == good_bytes);
    CHECK(rx.counters().frames_open_failed == 2);
    CHECK(opener->calls == 5);
    CHECK(send(5, false) == FecFrameStatus::Ok);
}

TEST_CASE("FecReceiver: SIMD and scalar kernels give the same frames", "[fec_receiver]")
{
    TsLoopback lb;
    FecReceiverOptions scalar;
    scalar.demap_simd = SimdLevel::Scalar;
    scalar.ldpc.kernel = LdpcDecoderOptions::Kernel::Scalar;
    FecFrameDecoder a, b(scalar);
    DecodedBbFrame ra, rb;
    // Near threshold, so the decoders iterate and the LLRs matter.
    const FrameFormat formats[] = { fmt("16APSK 3/4", FrameSize::Short),
                                    fmt("QPSK 1/2", FrameSize::Short) };
    const float esn0[] = { 10.6f, 1.6f };
    for (int k = 0; k < 2; ++k) {
        Symbols s = lb.frame(formats[k], esn0[k]);
        const float nv = noise_variance_from_esn0_db(esn0[k]);
        a.decode(formats[k], s.data(), s.size(), nv, 0, ra);
        b.decode(formats[k], s.data(), s.size(), nv, 0, rb);
        CHECK(ra.stats.ldpc_iterations == rb.stats.ldpc_iterations);
        CHECK(ra.stats.status == rb.stats.status);
        CHECK(ra.stats.bch_corrected == rb.stats.bch_corrected);
        CHECK(ra.bytes == rb.bytes);
    }
}

TEST_CASE("FecWorkerPool: results in submission order with mixed MODCODs", "[fec_receiver][pool]")
{
    TsLoopback lb;
    FecWorkerPool pool({}, 3, 2);
    CHECK(pool.threads() == 3);
    CHECK(pool.capacity() == 5);
    FecFrameDecoder reference;

    // Short frames and one normal frame in the middle so that workers finish out of order;
    // a few undecodable frames to make the result differ per frame.
    std::vector<FrameFormat> formats;
    for (int i = 0; i < 14; ++i)
        formats.push_back(mixed_formats()[static_cast<size_t>(i) % mixed_formats().size()]);
    std::vector<std::vector<uint8_t>> expected_bytes;
    std::vector<FecFrameStatus> expected_status;
    std::vector<RxFecFrame> frames;
    for (size_t i = 0; i < formats.size(); ++i) {
        const FrameFormat& f = formats[i];
        RxFecFrame fr;
        fr.format = f;
        const bool spoil = i % 5 == 3;
        fr.noise_variance = noise_variance_from_esn0_db(comfortable_esn0_db(f.modcod.mod));
        fr.symbols = lb.frame(f, comfortable_esn0_db(f.modcod.mod));
        if (spoil)
            fr.symbols.resize(fr.symbols.size() - 1); // bad input
        fr.frame_counter = 1000 + i;
        DecodedBbFrame ref;
        reference.decode(fr, ref);
        expected_bytes.push_back(ref.bytes);
        expected_status.push_back(ref.stats.status);
        frames.push_back(std::move(fr));
    }

    DecodedBbFrame got;
    size_t popped = 0;
    auto check_next = [&] {
        REQUIRE(popped < frames.size());
        CHECK(got.stats.frame_counter == 1000 + popped);
        CHECK(got.stats.status == expected_status[popped]);
        CHECK(got.bytes == expected_bytes[popped]);
        ++popped;
    };
    for (auto& fr : frames) {
        const std::complex<float>* submitted = fr.symbols.data();
        while (!pool.try_submit(fr)) {
            REQUIRE(pool.in_flight() == pool.capacity());
            REQUIRE(pool.pop(got));
            check_next();
        }
        CHECK(fr.symbols.data() != submitted); // swapped into the pool
        while (pool.try_pop(got))
            check_next();
    }
    while (pool.pop(got))
        check_next();
    CHECK(popped == frames.size());
    CHECK(pool.in_flight() == 0);
    CHECK_FALSE(pool.try_pop(got));
}

TEST_CASE("FecWorkerPool: shutdown with frames in flight", "[fec_receiver][pool]")
{
    TsLoopback lb;
    const FrameFormat f = fmt("QPSK 1/3", FrameSize::Normal);
    Symbols s = lb.frame(f, -0.8f); // near threshold: long decodes
    {
        FecWorkerPool pool({}, 2, 4);
        std::atomic<int> ready_calls{ 0 };
        pool.set_ready_callback([&] { ++ready_calls; });
        for (int i = 0; i < 6; ++i) {
            RxFecFrame fr{ f, s, noise_variance_from_esn0_db(-0.8f), static_cast<uint64_t>(i) };
            pool.submit(fr);
        }
        CHECK(pool.in_flight() == 6);
        pool.shutdown(); // queued frames dropped, decoding ones finished, threads joined
        DecodedBbFrame out;
        CHECK_FALSE(pool.pop(out));
        RxFecFrame fr{ f, s, 1.0f, 7 };
        CHECK_THROWS_AS(pool.submit(fr), Error);
        pool.shutdown(); // idempotent
    }
    {
        // Destructor alone, frames queued and decoding.
        FecWorkerPool pool({}, 2, 8);
        for (int i = 0; i < 10; ++i) {
            RxFecFrame fr{ f, s, noise_variance_from_esn0_db(-0.8f), static_cast<uint64_t>(i) };
            pool.submit(fr);
        }
    }
    SUCCEED("no hang, no crash");
}

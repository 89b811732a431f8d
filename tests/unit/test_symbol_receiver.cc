// SPDX-License-Identifier: GPL-3.0-or-later
// Frame synchronisation, carrier recovery and the symbol receiver on PlFramer-made VCM
// streams through the channel emulator (symbol rate).
#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/core/error.h>
#include <dualsat/rx/frame_sync.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/rx/symbol_receiver.h>

#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;
using cvec = std::vector<cf>;

namespace {


struct TxFrame {
    uint64_t start;
    bool dummy;
    FrameFormat format;
    cvec data; // XFECFRAME symbols
};

FrameFormat fmt(Modulation m, CodeRate r, FrameSize s, bool pilots) { return { { m, r }, s, pilots }; }

// A VCM stream: the given formats in turn (a default FrameFormat with modcod QPSK 1/4 and
// `dummy` marks a dummy frame), random labels.
struct Stream {
    cvec symbols;
    std::vector<TxFrame> frames;
};

Stream make_stream(const std::vector<std::pair<bool, FrameFormat>>& pattern, int count,
                   uint64_t seed, std::shared_ptr<PlHeaderSequence> hdr = nullptr,
                   std::shared_ptr<PlScramblingSequence> scr = nullptr)
{
    PlFramer framer = hdr ? PlFramer(hdr, scr) : PlFramer(0);
    Rng rng(seed);
    Stream s;
    cvec buf(kMaxPlframeSymbols);
    for (int k = 0; k < count; ++k) {
        const auto& [dummy, f] = pattern[static_cast<size_t>(k) % pattern.size()];
        TxFrame t{ s.symbols.size(), dummy, f, {} };
        int n;
        if (dummy) {
            n = framer.dummy_frame(buf.data());
        } else {
            Constellation con(f.modcod);
            t.data.resize(static_cast<size_t>(f.data_symbols()));
            for (auto& d : t.data)
                d = con.point(static_cast<unsigned>(rng.next() % static_cast<uint64_t>(con.size())));
            n = framer.frame(f, t.data.data(), buf.data());
        }
        s.symbols.insert(s.symbols.end(), buf.begin(), buf.begin() + n);
        s.frames.push_back(std::move(t));
    }
    return s;
}

const std::vector<std::pair<bool, FrameFormat>> kVcmPilots = {
    { false, fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) },
    { false, fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Short, true) },
    { true, FrameFormat{} },
    { false, fmt(Modulation::APSK16, CodeRate::R3_4, FrameSize::Short, true) },
    { false, fmt(Modulation::APSK32, CodeRate::R4_5, FrameSize::Short, true) },
    { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Short, true) },
};

struct RunResult {
    std::vector<RxFrame> frames;
    FrameSyncStats stats;
};

RunResult receive(SymbolReceiver& rx, const cvec& in, size_t chunk)
{
    RunResult r;
    RxFrame f;
    for (size_t k = 0; k < in.size(); k += chunk) {
        rx.push(in.data() + k, std::min(chunk, in.size() - k));
        while (rx.next_frame(&f))
            r.frames.push_back(f);
    }
    r.stats = rx.sync_stats();
    return r;
}

cvec through_channel(const cvec& in, double esn0_db, double cfo_cycles_per_symbol, uint64_t seed,
                     bool phase_noise = false, double rs = 10e6)
{
    ChannelConfig c;
    c.sample_rate_hz = rs;
    c.esn0_db = esn0_db;
    c.frequency_offset_hz = cfo_cycles_per_symbol * rs;
    c.initial_phase_rad = 1.0;
    c.seed = seed;
    if (phase_noise)
        c.phase_noise_mask = dvbs2_phase_noise_mask();
    ChannelEmulator ch(c);
    cvec out;
    ch.process(in, out);
    return out;
}

// Checks that every transmitted frame from the first received one on was found, in order,
// with the right format; returns the index of the first transmitted frame received.
size_t check_frames(const Stream& tx, const RunResult& rx, bool with_dummies)
{
    REQUIRE(!rx.frames.empty());
    size_t t = 0;
    while (t < tx.frames.size() && tx.frames[t].start != rx.frames[0].start)
        ++t;
    REQUIRE(t < tx.frames.size());
    const size_t first = t;
    for (const RxFrame& f : rx.frames) {
        while (!with_dummies && t < tx.frames.size() && tx.frames[t].dummy)
            ++t;
        REQUIRE(t < tx.frames.size());
        INFO("tx frame " << t);
        CHECK(f.start == tx.frames[t].start);
        CHECK(f.dummy == tx.frames[t].dummy);
        if (!f.dummy) {
            CHECK(f.format == tx.frames[t].format);
        }
        ++t;
    }
    // Everything after the first received frame was delivered, bar the last one or two
    // whose end / next header are not in the stream.
    size_t remaining = 0;
    for (; t < tx.frames.size(); ++t)
        remaining += with_dummies || !tx.frames[t].dummy;
    CHECK(remaining <= 2);
    return first;
}

// rms phase error (rad) and Es/N0 of received data symbols against the transmitted ones.
void data_quality(const TxFrame& tx, const RxFrame& rx, double* rms_phase, double* esn0_db)
{
    double p2 = 0.0, err = 0.0, sig = 0.0;
    for (size_t k = 0; k < tx.data.size(); ++k) {
        const std::complex<double> a(rx.data[k]), b(tx.data[k]);
        p2 += std::pow(std::arg(a * std::conj(b)), 2);
        err += std::norm(a - b);
        sig += std::norm(b);
    }
    *rms_phase = std::sqrt(p2 / static_cast<double>(tx.data.size()));
    *esn0_db = 10.0 * std::log10(sig / err);
}

} // namespace

TEST_CASE("Frame sync: clean VCM stream, every frame with its format", "[sync]")
{
    const Stream tx = make_stream(kVcmPilots, 12, 1);
    SymbolReceiverConfig cfg;
    cfg.deliver_dummy_frames = true;
    SymbolReceiver rx(0, cfg);
    const RunResult r = receive(rx, tx.symbols, 5000);
    const size_t first = check_frames(tx, r, true);
    CHECK(first == 0); // noiseless: the very first frame is found
    CHECK(r.stats.acquisitions == 1);
    CHECK(r.stats.lock_losses == 0);
    CHECK(r.stats.missed_headers == 0);
    for (const RxFrame& f : r.frames) {
        if (f.dummy)
            continue;
        CHECK(f.esn0_db > 40.0f);
        const TxFrame* t = nullptr;
        for (const auto& x : tx.frames)
            if (x.start == f.start)
                t = &x;
        REQUIRE(t);
        double ph, es;
        data_quality(*t, f, &ph, &es);
        CHECK(ph < 1e-3);
    }
}

TEST_CASE("Frame sync + carrier: CFO up to 10% Rs, phase noise, 3..10 dB", "[sync]")
{
    struct Case {
        double esn0, cfo;
        bool pn;
    };
    for (Case c : { Case{ 10.0, 0.10, true }, Case{ 6.0, -0.10, true }, Case{ 3.0, 0.05, false },
                    Case{ 3.0, -0.073, true }, Case{ 0.0, 0.031, false } }) {
        INFO("Es/N0 " << c.esn0 << " dB, CFO " << c.cfo << " Rs, phase noise " << c.pn);
        const Stream tx = make_stream(kVcmPilots, 16, 2);
        const cvec rxs = through_channel(tx.symbols, c.esn0, c.cfo, 5, c.pn);
        SymbolReceiver rx;
        const RunResult r = receive(rx, rxs, 7919);
        const size_t first = check_frames(tx, r, false);
        CHECK(first <= 4);
        CHECK(r.stats.lock_losses == 0);
        // CFO estimate attached to every frame; Es/N0 and phase after tracking, on the
        // frames after the first two (frequency settling).
        int checked = 0;
        double est_sum = 0.0;
        for (size_t k = 2; k < r.frames.size(); ++k) {
            const RxFrame& f = r.frames[k];
            CHECK(f.cfo == Approx(c.cfo).margin(2e-4)); // cycles/symbol
            const TxFrame* t = nullptr;
            for (const auto& x : tx.frames)
                if (x.start == f.start)
                    t = &x;
            REQUIRE(t);
            double ph, es;
            data_quality(*t, f, &ph, &es);
            // The estimate against the truth measured on the data symbols (which includes
            // the phase noise left after tracking; the estimate sees pilots, not data).
            CHECK(f.esn0_db == Approx(es).margin(1.5));
            est_sum += f.esn0_db;
            ++checked;
        }
        REQUIRE(checked >= 8);
        CHECK(est_sum / checked == Approx(c.esn0).margin(0.5));
    }
}

TEST_CASE("Phase error after tracking is small", "[sync]")
{
    // 8PSK at 10 dB with pilots and DVB-S2 phase noise at 10 Msym/s: the residual phase
    // error of the data (after the pilot interpolation) is checked through the data's
    // Es/N0: phase noise left after tracking and estimation error cost at most 0.5 dB
    // against the channel's (measured: ~0.35 dB).
    const std::vector<std::pair<bool, FrameFormat>> pattern = {
        { false, fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Normal, true) } };
    const Stream tx = make_stream(pattern, 5, 3);
    const cvec rxs = through_channel(tx.symbols, 10.0, 0.02, 9, true);
    SymbolReceiver rx;
    const RunResult r = receive(rx, rxs, 65536);
    check_frames(tx, r, false);
    REQUIRE(r.frames.size() >= 3);
    for (size_t k = 1; k < r.frames.size(); ++k) {
        const TxFrame* t = nullptr;
        for (const auto& x : tx.frames)
            if (x.start == r.frames[k].start)
                t = &x;
        double ph, es;
        data_quality(*t, r.frames[k], &ph, &es);
        CHECK(es > 9.5);
        // Phase noise + estimation error: AWGN alone gives ~0.22 rad rms of arg at 10 dB.
        CHECK(ph < 0.26);
    }
}

TEST_CASE("Decision-directed refinement removes the phase noise left between pilots", "[sync][refine]")
{
    // 32APSK 4/5 at 16 dB with pilots and DVB-S2 phase noise at 10 Msym/s: the pilots
    // (1476 symbols apart) cannot follow the 1-10 kHz part of the mask, which turns
    // 32APSK's outer ring (sectors of pi/16) past its decision boundaries. The data's
    // Es/N0 against the transmitted symbols (measured: 15.93 dB without phase noise,
    // either way): 15.01 dB without the refinement, 15.55 dB with it (what is left is
    // mostly the mask above ~100 kHz, ~0.03 rad rms, which no tracking can follow).
    const std::vector<std::pair<bool, FrameFormat>> pattern = {
        { false, fmt(Modulation::APSK32, CodeRate::R4_5, FrameSize::Normal, true) } };
    const Stream tx = make_stream(pattern, 8, 12);
    const cvec rxs = through_channel(tx.symbols, 16.0, 0.01, 21, true);
    double mean_es[2] = { 0.0, 0.0 };
    for (int passes : { 0, 2 }) {
        SymbolReceiverConfig config;
        config.carrier.dd_refine_passes = passes;
        SymbolReceiver rx(0, config);
        const RunResult r = receive(rx, rxs, 65536);
        check_frames(tx, r, false);
        REQUIRE(r.frames.size() >= 5);
        int n = 0;
        for (size_t k = 1; k < r.frames.size(); ++k) {
            const TxFrame* t = nullptr;
            for (const auto& x : tx.frames)
                if (x.start == r.frames[k].start)
                    t = &x;
            REQUIRE(t != nullptr);
            double ph, es;
            data_quality(*t, r.frames[k], &ph, &es);
            mean_es[passes ? 1 : 0] += es;
            ++n;
        }
        mean_es[passes ? 1 : 0] /= n;
    }
    INFO("data Es/N0 without refinement " << mean_es[0] << " dB, with " << mean_es[1] << " dB");
    CHECK(mean_es[1] > mean_es[0] + 0.4);
    CHECK(mean_es[1] > 15.3);
}

TEST_CASE("Acquisition at Es/N0 = -3 dB with pilots", "[sync]")
{
    const std::vector<std::pair<bool, FrameFormat>> pattern = {
        { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Short, true) },
        { false, fmt(Modulation::QPSK, CodeRate::R1_3, FrameSize::Short, true) } };
    const Stream tx = make_stream(pattern, 24, 4);
    const cvec rxs = through_channel(tx.symbols, -3.0, 0.05, 21);
    SymbolReceiver rx;
    const RunResult r = receive(rx, rxs, 10000);
    const size_t first = check_frames(tx, r, false);
    CHECK(first <= 10);
    CHECK(r.stats.lock_losses == 0);
}

TEST_CASE("Loss of lock on a gap of noise, re-acquisition, NaN input", "[sync]")
{
    const Stream a = make_stream(kVcmPilots, 8, 5);
    const Stream b = make_stream(kVcmPilots, 8, 6);
    // a | 40000 symbols of noise | b, all at 6 dB with a CFO, NaNs sprinkled in.
    cvec all = a.symbols;
    all.insert(all.end(), 40000, cf(0.0f, 0.0f));
    const size_t b_offset = all.size();
    all.insert(all.end(), b.symbols.begin(), b.symbols.end());
    ChannelConfig c;
    c.esn0_db = 6.0;
    c.frequency_offset_hz = 0.04;
    c.nan_probability = 1e-4;
    c.seed = 17;
    ChannelEmulator ch(c);
    cvec rxs;
    ch.process(all, rxs);
    SymbolReceiver rx;
    const RunResult r = receive(rx, rxs, 4096);
    CHECK(r.stats.nonfinite_symbols == ch.nans_injected());
    CHECK(r.stats.nonfinite_symbols > 0);
    CHECK(r.stats.lock_losses == 1);
    CHECK(r.stats.acquisitions == 2);
    // Frames of b found after re-acquisition within 3 frames, with the right formats.
    size_t b_frames = 0, b_first = 100;
    for (const RxFrame& f : r.frames) {
        if (f.start < b_offset)
            continue;
        bool matched = false;
        for (size_t k = 0; k < b.frames.size(); ++k)
            if (b.frames[k].start + b_offset == f.start) {
                matched = true;
                CHECK(f.format == b.frames[k].format);
                b_first = std::min(b_first, k);
            }
        b_frames += matched;
        if (!matched)
            CHECK(!f.header_confirmed); // only flywheel frames may be off the grid
    }
    CHECK(b_first <= 3);
    CHECK(b_frames >= 4);
}

TEST_CASE("Keyed header and scrambling sequences replace the standard ones", "[sync]")
{
    // Per-frame SOF, PLSC mask and scrambling (stand-ins for the protected profile).
    struct Hdr final : PlHeaderSequence {
        uint32_t sof_bits(uint64_t fc) const override { return static_cast<uint32_t>((0x2A5F3C1u * (fc + 3)) & 0x3FFFFFF); }
        uint64_t plsc_mask(uint64_t fc) const override { return 0x9E3779B97F4A7C15ull * (fc + 1); }
    };
    struct Scr final : PlScramblingSequence {
        std::vector<uint8_t> buf;
        const uint8_t* rn(uint64_t fc, int length) override
        {
            buf.resize(static_cast<size_t>(length));
            Rng r(fc + 77);
            for (auto& v : buf)
                v = static_cast<uint8_t>(r.next() & 3);
            return buf.data();
        }
    };
    const std::vector<std::pair<bool, FrameFormat>> pattern = {
        { false, fmt(Modulation::PSK8, CodeRate::R2_3, FrameSize::Short, true) },
        { false, fmt(Modulation::QPSK, CodeRate::R3_4, FrameSize::Short, false) } };
    const Stream tx = make_stream(pattern, 8, 7, std::make_shared<Hdr>(), std::make_shared<Scr>());
    const cvec rxs = through_channel(tx.symbols, 8.0, -0.02, 3);
    SymbolReceiver rx(std::make_shared<Hdr>(), std::make_shared<Scr>());
    const RunResult r = receive(rx, rxs, 6000);
    CHECK(check_frames(tx, r, false) == 0);
    // The standard receiver finds nothing in it.
    SymbolReceiver standard;
    const RunResult none = receive(standard, rxs, 6000);
    CHECK(none.frames.empty());
}

TEST_CASE("Frame sync: bad configuration and input", "[sync]")
{
    FrameSyncConfig c;
    c.confirm_frames = 0;
    CHECK_THROWS_AS(FrameSync(0, c), ConfigError);
    c = FrameSyncConfig{};
    c.acquisition_threshold = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(FrameSync(0, c), ConfigError);
    c = FrameSyncConfig{};
    c.acquisition_header_threshold = -1.0f;
    CHECK_THROWS_AS(FrameSync(0, c), ConfigError);
    CHECK_THROWS_AS(SymbolReceiver(nullptr, std::make_shared<GoldScrambling>(0)), ConfigError);
    CarrierConfig cc;
    cc.fine_gain = 0.0;
    CHECK_THROWS_AS(CarrierRecovery(cc), ConfigError);
    cc = CarrierConfig{};
    cc.blind_span_snr = 0.5;
    CHECK_THROWS_AS(CarrierRecovery(cc), ConfigError);
    cc = CarrierConfig{};
    cc.dd_refine_passes = 5;
    CHECK_THROWS_AS(CarrierRecovery(cc), ConfigError);
    // All-NaN and all-zero input: nothing found, no crash, counted.
    SymbolReceiver rx;
    cvec junk(50000, cf(std::numeric_limits<float>::quiet_NaN(), 1.0f));
    const RunResult r = receive(rx, junk, 3000);
    CHECK(r.frames.empty());
    CHECK(r.stats.nonfinite_symbols == junk.size());
    cvec zeros(50000, cf(0.0f, 0.0f));
    CHECK(receive(rx, zeros, 50000).frames.empty());
}

TEST_CASE("Pilotless frames: blind (QPSK, 8PSK) and decision-directed (APSK) phase tracking", "[sync]")
{
    // QPSK, 8PSK and 16APSK normal frames without pilots at 12 dB, CFO 3 % of Rs: the
    // header and the blind M-th power estimator (QPSK, 8PSK) or the decision-directed
    // loop (16APSK) give the phase; after the first frames the data symbols lose less
    // than 1 dB against the channel's Es/N0.
    const std::vector<std::pair<bool, FrameFormat>> pattern = {
        { false, fmt(Modulation::QPSK, CodeRate::R3_4, FrameSize::Normal, false) },
        { false, fmt(Modulation::PSK8, CodeRate::R2_3, FrameSize::Normal, false) },
        { false, fmt(Modulation::APSK16, CodeRate::R3_4, FrameSize::Normal, false) } };
    const Stream tx = make_stream(pattern, 9, 8);
    const cvec rxs = through_channel(tx.symbols, 12.0, 0.03, 4);
    SymbolReceiver rx;
    const RunResult r = receive(rx, rxs, 20000);
    CHECK(check_frames(tx, r, false) <= 3);
    int good = 0;
    for (size_t k = 2; k < r.frames.size(); ++k) {
        const TxFrame* t = nullptr;
        for (const auto& x : tx.frames)
            if (x.start == r.frames[k].start)
                t = &x;
        REQUIRE(t);
        double ph, es;
        data_quality(*t, r.frames[k], &ph, &es);
        INFO("frame " << k << ": " << to_string(r.frames[k].format.modcod));
        CHECK(es > 11.0);
        good += es > 11.0;
    }
    CHECK(good >= 5);
}

TEST_CASE("Low Es/N0 after lock: no pilot-interval cycle slips in the coarse carrier stage", "[sync]")
{
    // QPSK 1/4 normal frames with pilots at Es/N0 -1.85 dB and CFO 5 % Rs. Right after
    // lock the carrier recovery is in its coarse stage (its frequency estimate is good to
    // only ~1e-3 rad/symbol, comparable to the pilot blocks' ambiguity 2 pi / 1476);
    // the segment phases must still be unwrapped correctly along every frame, otherwise
    // the data between two pilot blocks comes out rotated by up to pi and the frame is
    // lost (bench_receiver (b): FER 0.025 after lock, all in the coarse stage). Checked on
    // every 90-symbol stretch of data: the mean phase error against the transmitted
    // symbols stays below pi/4 (AWGN alone: ~0.1 rad rms for 90 symbols at -1.85 dB).
    // Before the pilot-pair / fourth-power unwrapping this failed (slipped stretches in
    // several of the first frames); after, none. Run twice: with the blind frequency
    // search off (the coarse stage's own unwrapping under test, for many frames), and on
    // (the default: the first frame's search ends the coarse stage at once).
    const bool blind = GENERATE(false, true);
    INFO("blind search " << blind);
    const std::vector<std::pair<bool, FrameFormat>> pattern = {
        { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Normal, true) } };
    const Stream tx = make_stream(pattern, 14, 31);
    const cvec rxs = through_channel(tx.symbols, -1.85, 0.05, 77);
    SymbolReceiverConfig config;
    config.carrier.blind_psk = blind;
    SymbolReceiver rx(0, config);
    const RunResult r = receive(rx, rxs, 65536);
    check_frames(tx, r, false);
    REQUIRE(r.frames.size() >= 8);
    size_t coarse_frames = 0, slipped = 0, stretches = 0;
    for (const RxFrame& f : r.frames) {
        const TxFrame* t = nullptr;
        for (const auto& x : tx.frames)
            if (x.start == f.start)
                t = &x;
        REQUIRE(t != nullptr);
        coarse_frames += !f.carrier_fine;
        for (size_t a = 0; a + 90 <= t->data.size(); a += 90) {
            std::complex<double> acc = 0.0;
            for (size_t k = a; k < a + 90; ++k)
                acc += std::complex<double>(f.data[k]) * std::conj(std::complex<double>(t->data[k]));
            slipped += std::fabs(std::arg(acc)) > kPi / 4;
            ++stretches;
        }
    }
    INFO(coarse_frames << " frames in the coarse stage, " << slipped << " of " << stretches
                       << " stretches slipped");
    if (blind)
        CHECK(coarse_frames <= 1);
    else
        CHECK(coarse_frames >= 5); // the stage under test was exercised
    CHECK(slipped == 0);
}

TEST_CASE("Blind carrier recovery: pilotless QPSK frame tracked, a quarter-turn slip detected",
          "[sync][blind]")
{
    // Two pilotless QPSK 3/4 normal frames at 10 dB with a carrier phase and a small
    // frequency offset, straight into CarrierRecovery (frame-aligned). The first frame
    // runs the coarse stage's frequency search and comes out phase-corrected; in the
    // second, everything after its middle (the next SOF included) is turned by pi/2 — a
    // slip the fourth-power estimator cannot see, which the next SOF's phase reveals.
    const FrameFormat f = fmt(Modulation::QPSK, CodeRate::R3_4, FrameSize::Normal, false);
    const Stream tx = make_stream({ { false, f } }, 3, 5);
    const double w = 4e-4; // rad/symbol
    cvec rxs = through_channel(tx.symbols, 10.0, w / (2.0 * kPi), 6);
    const int len = f.plframe_symbols();
    StandardPlHeader header;
    GoldScrambling scrambling(0);
    cf header_ref[kPlHeaderSymbols], next_sof[kSofSymbols];
    header.header_symbols(pls_code(f), 0, header_ref);
    header.sof_symbols(1, next_sof);
    std::vector<uint8_t> rn(scrambling.rn(0, len - kPlHeaderSymbols),
                            scrambling.rn(0, len - kPlHeaderSymbols) + (len - kPlHeaderSymbols));
    CarrierRecovery cr;
    cr.reset(0.0);
    cvec out(static_cast<size_t>(len));
    CarrierEstimate est;
    cr.process(rxs.data(), len, false, f, header_ref, rn.data(), next_sof, out.data(), &est);
    CHECK(est.used_blind);
    CHECK(!est.used_decision_directed);
    CHECK(est.blind_peak_ratio > 100.0);
    CHECK(!est.cycle_slip);
    CHECK(cr.fine()); // the search's clear peak ends the coarse stage at once
    CHECK(std::abs(cr.frequency() - w) < 2e-5);
    CHECK(est.esn0_db > 9.0);
    // Descrambled, the data symbols match the transmitted ones with no rotation anywhere.
    PlDeframer deframer(0);
    RxFrame rf;
    rf.data.resize(static_cast<size_t>(f.data_symbols()));
    deframer.deframe(f, out.data(), 0, rf.data.data());
    double rms, es;
    data_quality(tx.frames[0], rf, &rms, &es);
    CHECK(rms < 0.35); // 10 dB AWGN alone: ~0.23 rad
    CHECK(es > 9.0);

    // Second frame, slipped by a quarter turn from its middle on.
    cf* second = rxs.data() + len;
    for (int i = len / 2; i < len + kSofSymbols; ++i)
        second[i] *= cf(0.0f, 1.0f);
    cr.process(second, len, false, f, header_ref, rn.data(), next_sof, out.data(), &est);
    CHECK(est.used_blind);
    CHECK(est.cycle_slip);
    CHECK(!cr.fine()); // the next pilotless frame searches again
}

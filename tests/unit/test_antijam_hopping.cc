// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed frequency hopping (lib/antijam): the schedule's statistics, the slot gate and
// ungate, the per-dwell jam detector, the digital hopper round trip, and the jammers.
#include "../protect/protect_test_util.h"
#include "rx_link.h"

#include <catch2/catch.hpp>
#include <dualsat/antijam/digital_hopper.h>
#include <dualsat/antijam/hop_gate.h>
#include <dualsat/antijam/hop_schedule.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/channel/jammer.h>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/fft.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/tx/transmitter.h>

#include <cmath>
#include <complex>
#include <vector>

using namespace dualsat;
using namespace protect_test;
using cf = std::complex<float>;

namespace {

SecureKey hop_key(uint8_t variant = 0, uint32_t epoch = 7)
{
    return test_schedule(variant)->derive(KeyPurpose::Hopping, epoch, 3, LinkDirection::Forward);
}

// Two tones well inside the modem band (a band-limited test signal).
std::vector<cf> tones(size_t n, double fs)
{
    std::vector<cf> x(n);
    for (size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / fs;
        x[i] = cf(std::polar(0.6, kTwoPi * 0.11 * fs * t) + std::polar(0.4, -kTwoPi * 0.23 * fs * t + 0.5));
    }
    return x;
}

} // namespace

TEST_CASE("Hop schedule: every channel equally likely, keyed by key and epoch", "[antijam]")
{
    const HopSchedule s(hop_key(), 64);
    std::vector<int> count(64, 0);
    int repeats = 0;
    const int slots = 64 * 400;
    for (int k = 0; k < slots; ++k) {
        const int c = s.channel(static_cast<uint64_t>(k));
        REQUIRE(c >= 0);
        REQUIRE(c < 64);
        ++count[static_cast<size_t>(c)];
        repeats += k > 0 && c == s.channel(static_cast<uint64_t>(k - 1));
    }
    // Binomial(25600, 1/64): mean 400, sigma 19.8; 5 sigma either way.
    for (int c : count) {
        CHECK(c > 300);
        CHECK(c < 500);
    }
    CHECK(repeats > 400 - 100); // about 1 in 64 repeats its predecessor, like any uniform draw
    CHECK(repeats < 400 + 100);
    // Another key, another epoch: unrelated patterns (agreement near 1/64).
    const HopSchedule other_key(hop_key(0x21), 64), other_epoch(hop_key(0, 8), 64);
    int same_key = 0, same_epoch = 0;
    for (int k = 0; k < 6400; ++k) {
        same_key += s.channel(static_cast<uint64_t>(k)) == other_key.channel(static_cast<uint64_t>(k));
        same_epoch += s.channel(static_cast<uint64_t>(k)) == other_epoch.channel(static_cast<uint64_t>(k));
    }
    CHECK(same_key < 200);
    CHECK(same_epoch < 200);
    CHECK_THROWS_AS(HopSchedule(hop_key(), 1), ConfigError);
    HopPlan bad;
    bad.channel_spacing_hz = 1e3;
    bad.slot_samples = 100;
    bad.guard_samples = 100;
    CHECK_THROWS_AS(check_hop_plan(bad), ConfigError);
}

TEST_CASE("Hop gate: guards of silence in, dropped out, the stream passes unchanged", "[antijam]")
{
    HopPlan plan;
    plan.channels = 8;
    plan.channel_spacing_hz = 1e3;
    plan.slot_samples = 1000;
    plan.guard_samples = 64;
    const std::vector<cf> in = tones(20000, 8e3);
    HopGate gate(plan);
    std::vector<cf> air(gate.output_for(in.size()));
    // In uneven pieces, as a flowgraph would hand them over.
    size_t used = 0, made = 0;
    for (size_t piece : { 1u, 999u, 7u, 4000u, 123u }) {
        for (; used < in.size() && made < air.size();) {
            const auto r = gate.process(in.data() + used, std::min(piece, in.size() - used),
                                        air.data() + made, std::min<size_t>(air.size() - made, 777));
            used += r.first;
            made += r.second;
            if (r.first == 0 && r.second == 0)
                break;
            if (piece != 4000u)
                break;
        }
    }
    while (used < in.size()) {
        const auto r = gate.process(in.data() + used, in.size() - used, air.data() + made, air.size() - made);
        used += r.first;
        made += r.second;
        REQUIRE((r.first | r.second) != 0);
    }
    CHECK(made == air.size());
    for (size_t t = 0; t < air.size(); ++t)
        if (static_cast<int64_t>(t % 1000) < plan.guard_samples)
            REQUIRE(air[t] == cf(0, 0));
    HopUngate ungate(plan, nullptr, true);
    std::vector<cf> out;
    ungate.process(air.data(), air.size(), out);
    // Every whole slot is judged and passed on (the last, partial one waits for its end).
    const size_t whole = (air.size() / 1000) * 936;
    REQUIRE(out.size() == whole);
    for (size_t i = 0; i < whole; ++i)
        REQUIRE(out[i] == in[i]);
    CHECK(ungate.stats().jammed_slots == 0);
}

TEST_CASE("Dwell jam detector: jammed dwells found against a robust reference", "[antijam]")
{
    Rng rng(3);
    for (double jammed_fraction : { 0.25, 0.7 }) {
        DwellJamDetector d;
        int hits = 0, misses = 0, false_alarms = 0;
        for (int k = 0; k < 400; ++k) {
            const bool jam = k >= 16 && rng.uniform() < jammed_fraction;
            const double p = (1.0 + 0.05 * rng.gaussian()) * (jam ? 4.0 : 1.0); // +6 dB
            const bool judged = d.judge(p);
            hits += jam && judged;
            misses += jam && !judged;
            false_alarms += !jam && judged;
        }
        INFO("jammed fraction " << jammed_fraction);
        CHECK(misses == 0);
        CHECK(false_alarms == 0);
        CHECK(hits > 50);
    }
    DwellJamDetector d;
    CHECK(d.judge(std::nan("")));
    CHECK_THROWS_AS(DwellJamDetector(DwellJamConfig{ 0.0 }), ConfigError);
}

TEST_CASE("Digital hopping: each slot on its keyed channel, back to the same stream, a "
          "wrong key's schedule does not recover it", "[antijam]")
{
    HopPlan plan;
    plan.channels = 8;
    plan.channel_spacing_hz = 10e3;
    plan.slot_samples = 2000;
    plan.guard_samples = 40; // >= 2 m
    DigitalHopConfig dc;
    dc.interpolation = 10;
    dc.modem_sample_rate = 10e3;
    dc.filter_semi_length = 8;
    const HopSchedule sched(hop_key(), plan.channels), wrong(hop_key(0x21), plan.channels);
    const std::vector<cf> in = tones(30000, dc.modem_sample_rate);

    HopGate gate(plan);
    std::vector<cf> air(gate.output_for(in.size()));
    gate.process(in.data(), in.size(), air.data(), air.size());
    DigitalHopper hopper(plan, sched, dc);
    std::vector<cf> wide(air.size() * 10);
    hopper.process(air.data(), air.size(), wide.data());

    // Slot 5's wide samples: their power sits in its channel's band. Mixed down by that
    // channel's offset and averaged over the modem-rate samples, it keeps the signal; by
    // another channel's offset, nearly nothing.
    const int c5 = sched.channel(5);
    auto band_power = [&](int channel) {
        const double f = hop_channel_offset_hz(plan, channel) / (dc.modem_sample_rate * 10);
        double p = 0.0;
        const size_t from = (5 * 2000 + 200) * 10, to = (6 * 2000 - 200) * 10;
        for (size_t w = from; w < to; w += 10) { // a crude decimation: average 10 mixed samples
            std::complex<double> acc = 0.0;
            for (size_t j = 0; j < 10; ++j)
                acc += std::complex<double>(wide[w + j]) * std::polar(1.0, -kTwoPi * f * static_cast<double>(w + j));
            p += std::norm(acc / 10.0);
        }
        return p / static_cast<double>((to - from) / 10);
    };
    const double own = band_power(c5);
    CHECK(own > 0.3);
    // (The crude boxcar decimation lets the tones leak about -17 dB into an adjacent
    // channel's measurement; farther channels see the boxcar's deeper sidelobes.)
    for (int c = 0; c < plan.channels; ++c)
        if (c != c5) {
            INFO("channel " << c << " (slot 5 is on " << c5 << ")");
            CHECK(band_power(c) < own / (std::abs(c - c5) == 1 ? 20.0 : 100.0));
        }

    auto dehop = [&](const HopSchedule& s) {
        DigitalDehopper dehopper(plan, s, dc);
        std::vector<cf> back;
        for (size_t i = 0; i < wide.size(); i += 3333) // any piece size
            dehopper.process(wide.data() + i, std::min<size_t>(3333, wide.size() - i), back);
        HopUngate ungate(plan, &s, false);
        std::vector<cf> out;
        ungate.process(back.data(), back.size(), out);
        return out;
    };
    const std::vector<cf> out = dehop(sched);
    REQUIRE(out.size() > 20000);
    // Away from the slot edges (filter tails) the stream comes back to within the filters'
    // ripple; the tones are inside the pass band.
    double err = 0.0, sig = 0.0;
    for (size_t i = 0; i + 1 < out.size(); ++i) {
        const size_t pos = i % 1960;
        if (pos < 20 || pos > 1940)
            continue;
        err += std::norm(out[i] - in[i]);
        sig += std::norm(in[i]);
    }
    CHECK(10 * std::log10(err / sig) < -35.0);
    const std::vector<cf> garbled = dehop(wrong);
    double werr = 0.0;
    for (size_t i = 2000; i < 20000; ++i)
        werr += std::norm(garbled[i] - in[i]);
    CHECK(werr > 0.5 * sig * 18000.0 / static_cast<double>(out.size()));

    DigitalHopConfig narrow = dc;
    narrow.interpolation = 4; // 40 kHz cannot hold 8 x 10 kHz
    CHECK_THROWS_AS(DigitalHopper(plan, sched, narrow), ConfigError);
}

TEST_CASE("Jammers: power at the J/S set, partial-band noise stays in its part of the band", "[antijam][channel]")
{
    const double fs = 1e6;
    for (JammerKind k : { JammerKind::Cw, JammerKind::Broadband, JammerKind::PartialBand,
                          JammerKind::Pulsed, JammerKind::Swept }) {
        JammerConfig c;
        c.kind = k;
        c.js_db = 10.0;
        c.signal_power = 0.09;
        c.sample_rate_hz = fs;
        c.cw_offset_hz = 12.5e3;
        c.band_low_hz = -250e3;
        c.band_fraction = 0.25;
        c.duty = 0.2;
        c.period_s = 1e-3;
        c.sweep_low_hz = -200e3;
        c.sweep_high_hz = 300e3;
        Jammer j(c);
        std::vector<cf> x(1 << 18, cf(0, 0));
        j.add(x.data(), x.size());
        double p = 0.0;
        for (const cf& v : x)
            p += std::norm(v);
        p /= static_cast<double>(x.size());
        INFO(to_string(k));
        CHECK(p == Approx(0.9).epsilon(0.05));
        if (k == JammerKind::PartialBand) {
            // Averaged periodogram: the power in [-250, 0) kHz against the rest.
            const size_t n = 1024;
            Fft fft(n);
            std::vector<double> psd(n, 0.0);
            std::vector<std::complex<double>> buf(n);
            for (size_t b = 0; b + n <= x.size(); b += n) {
                for (size_t i = 0; i < n; ++i)
                    buf[i] = std::complex<double>(x[b + i]);
                fft.forward(buf.data());
                for (size_t i = 0; i < n; ++i)
                    psd[i] += std::norm(buf[i]);
            }
            double inside = 0.0, outside = 0.0;
            for (size_t i = 0; i < n; ++i) {
                const double f = (i < n / 2 ? static_cast<double>(i) : static_cast<double>(i) - n) * fs / n;
                (f < -265e3 || f >= 15e3 ? outside : inside) += psd[i];
            }
            CHECK(10 * std::log10(outside / inside) < -30.0);
        }
    }
    JammerConfig bad;
    bad.kind = JammerKind::PartialBand;
    bad.sample_rate_hz = fs;
    bad.band_low_hz = 400e3; // 400 + 250 kHz runs off the band
    CHECK_THROWS_AS(Jammer(bad), ConfigError);
    CHECK_THROWS_AS(parse_jammer_kind("barrage"), ConfigError);
}

TEST_CASE("Erasures: with codeword interleaving the FEC rebuilds a QPSK 1/2 frame with a "
          "quarter of its symbols erased in dwell-long bursts, without, bursts break it",
          "[antijam][fec]")
{
    // Ideal synchronisation (symbol-level AWGN at 10 dB, boundaries known): symbols set to
    // 0 (LLR 0) in bursts the length of a hop dwell, about 25 % of the frame.
    const FrameFormat f{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, true };
    auto failures = [&f](bool interleaving, int burst, double* erased_fraction) {
        rx_link::TxStream s;
        TransmitterConfig tc = rx_link::tx_config();
        tc.codeword_interleaving = interleaving;
        Transmitter tx(tc, TransmitterParts{});
        PlFramer framer(0);
        rx_link::transmit({ { false, f } }, 8, s, tx, framer);
        Rng rng(5);
        const double n0 = std::pow(10.0, -10.0 / 10.0);
        PlDeframer def(0);
        FecReceiverOptions fo;
        fo.codeword_interleaving = interleaving;
        FecReceiver fec(fo);
        FecOutput out;
        int failed = 0;
        size_t erased = 0, total = 0;
        for (size_t k = 0; k < s.frame_start.size(); ++k) {
            const int len = f.plframe_symbols();
            std::vector<cf> noisy(s.symbols.begin() + static_cast<long>(s.frame_start[k]),
                                  s.symbols.begin() + static_cast<long>(s.frame_start[k]) + len);
            for (cf& v : noisy)
                v += rng.complex_gaussian(n0);
            std::vector<cf> data(static_cast<size_t>(f.data_symbols()));
            def.deframe(f, noisy.data(), k, data.data());
            for (size_t i = 0; i < data.size(); i += static_cast<size_t>(burst))
                if (rng.uniform() < 0.25)
                    for (size_t j = i; j < std::min(data.size(), i + static_cast<size_t>(burst)); ++j, ++erased)
                        data[j] = cf(0, 0);
            total += data.size();
            const FecFrameStats st = fec.process(f, data.data(), data.size(), static_cast<float>(n0), k, out);
            failed += st.status != FecFrameStatus::Ok;
            out.clear();
        }
        *erased_fraction = double(erased) / double(total);
        return failed;
    };
    // (Bursts of 2000 symbols make the erased share of a frame vary widely: a frame with
    // 16 dwells may lose 40 % of them. The bench's dwells are shorter for that reason.)
    for (int burst : { 120, 240 }) {
        double fraction = 0;
        const int with = failures(true, burst, &fraction);
        INFO("bursts of " << burst << " symbols, " << 100 * fraction << " % erased");
        CHECK(fraction > 0.2);
        CHECK(with == 0);
    }
    double fraction = 0;
    CHECK(failures(false, 240, &fraction) >= 4); // of 8: what the interleaver is for
}

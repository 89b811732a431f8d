// SPDX-License-Identifier: GPL-3.0-or-later
// DsssSpreader -> channel -> DsssReceiver (lib/antijam): exact despreading without noise,
// acquisition at -15 dB chip Es/N0, no false lock on noise, lock loss, erased stretches,
// a reference left behind re-anchored, bad input.
#include "dsss_test_link.h"

#include <catch2/catch.hpp>
#include <dualsat/antijam/dsss_receiver.h>
#include <dualsat/antijam/dsss_spreader.h>
#include <dualsat/core/error.h>

#include <cmath>

using namespace dualsat;
using dsss_test::cf;
using dsss_test::cvec;

namespace {

cvec qpsk_symbols(size_t n, uint64_t seed)
{
    dualsat_test::FastGaussian g(seed);
    const float a = static_cast<float>(1.0 / std::sqrt(2.0));
    cvec s(n);
    for (auto& x : s) {
        const uint64_t r = g.next_u64();
        x = { (r & 1) ? a : -a, (r & 2) ? a : -a };
    }
    return s;
}

cvec spread(const cvec& symbols, int sf, uint64_t first_index, const DsssShaping& shaping = {})
{
    DsssSpreader sp(dsss_test::sequence(), sf, shaping, first_index);
    cvec out;
    sp.process(symbols.data(), symbols.size(), out);
    return out;
}

// The despread symbols against the sent ones, up to the constant small residual carrier
// offset and phase the output carries (see dsss_receiver.h): a straight line of phase (rad
// per symbol), unit amplitude. Indices must be consecutive.
struct LineFit {
    double slope = 0.0, first_phase = 0.0, max_residual = 0.0, max_amplitude_error = 0.0;
};

LineFit phase_line(const cvec& out, const std::vector<uint64_t>& idx, const cvec& sym, uint64_t first)
{
    LineFit f;
    std::vector<double> phase(out.size());
    for (size_t i = 0; i < out.size(); ++i) {
        REQUIRE(idx[i] == idx[0] + i);
        const cf z = out[i] * std::conj(sym[idx[i] - first]);
        f.max_amplitude_error = std::max(f.max_amplitude_error, std::abs(std::abs(z) - 1.0));
        phase[i] = std::arg(z);
    }
    f.first_phase = phase[0];
    f.slope = (phase.back() - phase.front()) / static_cast<double>(phase.size() - 1);
    for (size_t i = 0; i < phase.size(); ++i)
        f.max_residual = std::max(f.max_residual, std::abs(phase[i] - phase[0] - f.slope * static_cast<double>(i)));
    return f;
}

} // namespace

TEST_CASE("DsssSpreader: SF chips per symbol at samples_per_chip, unit power", "[antijam]")
{
    const cvec sym = qpsk_symbols(200, 3);
    DsssShaping sh;
    sh.samples_per_chip = 4;
    DsssSpreader sp(dsss_test::sequence(), 16, sh, 5);
    cvec out;
    sp.process(sym.data(), 100, out);
    sp.process(sym.data() + 100, 100, out);
    REQUIRE(out.size() == 200u * 16 * 4);
    CHECK(sp.next_symbol_index() == 205);
    double p = 0.0;
    for (size_t i = 1000; i < out.size(); ++i)
        p += std::norm(out[i]);
    CHECK(p / static_cast<double>(out.size() - 1000) == Approx(1.0).epsilon(0.05));
    // Chunking does not matter.
    DsssSpreader one(dsss_test::sequence(), 16, sh, 5);
    cvec all;
    one.process(sym.data(), sym.size(), all);
    CHECK(all == out);
    CHECK_THROWS_AS(DsssSpreader(dsss_test::sequence(), 2, sh), ConfigError);
    CHECK_THROWS_AS(DsssSpreader(nullptr, 16, sh), ConfigError);
    sh.samples_per_chip = 3;
    CHECK_THROWS_AS(DsssSpreader(dsss_test::sequence(), 16, sh), ConfigError);
}

TEST_CASE("DsssReceiver: without noise the despread symbols are the transmitted ones", "[antijam]")
{
    const int sf = 16;
    const uint64_t first = 1000;
    const cvec sym = qpsk_symbols(600, 5);
    dsss_test::Channel ch;
    ch.delay_samples = 10; // 5 chips late
    ch.phase = 0.0;
    const cvec rx = dsss_test::apply(spread(sym, sf, first), ch);

    DsssReceiverConfig c;
    c.sf = sf;
    c.first_symbol_index = first;
    c.code_window_chips = 12;
    c.acquisition_symbols = 16;
    DsssReceiver r(dsss_test::sequence(), c);
    cvec out;
    std::vector<uint64_t> idx;
    for (size_t k = 0; k < rx.size(); k += 777)
        r.process(rx.data() + k, std::min<size_t>(777, rx.size() - k), out, &idx);

    REQUIRE(r.stats().acquisitions == 1);
    CHECK(r.last_acquisition().code_phase_chips == Approx(5.0).margin(0.05));
    CHECK(r.last_acquisition().bin == 0);
    REQUIRE(out.size() > 500);
    REQUIRE(idx.size() == out.size());
    const LineFit f = phase_line(out, idx, sym, first);
    CHECK(f.max_amplitude_error < 0.01);
    CHECK(std::abs(f.slope) < 1e-3); // rad per symbol
    CHECK(std::abs(f.first_phase) < 0.01);
    CHECK(f.max_residual < 0.01);
    CHECK(r.stats().lock_losses == 0);
    CHECK(r.stats().esn0_db > 10.0 * std::log10(sf)); // saturates without noise

    // The signal stops: the lock is dropped, and nothing is detected in the silence.
    const cvec silence(20000, cf(0.0f));
    r.process(silence.data(), silence.size(), out);
    CHECK(r.stats().lock_losses == 1);
    CHECK_FALSE(r.stats().locked);
    CHECK(r.stats().acquisitions == 1);
}

TEST_CASE("DsssReceiver: the ends of the SF range despread exactly", "[antijam]")
{
    for (int sf : { 4, 1024 }) {
        const size_t n = sf == 4 ? 2000 : 120;
        const cvec sym = qpsk_symbols(n, 77);
        dsss_test::Channel ch;
        ch.delay_samples = 6;
        ch.phase = 0.0;
        const cvec rx = dsss_test::apply(spread(sym, sf, 0), ch);
        DsssReceiverConfig c;
        c.sf = sf;
        c.code_window_chips = 8;
        c.acquisition_symbols = sf == 4 ? 64 : 8;
        c.refine_symbols = sf == 4 ? 256 : 16;
        DsssReceiver r(dsss_test::sequence(), c);
        cvec out;
        std::vector<uint64_t> idx;
        r.process(rx.data(), rx.size(), out, &idx);
        INFO("SF " << sf);
        REQUIRE(r.stats().acquisitions == 1);
        CHECK(r.last_acquisition().code_phase_chips == Approx(3.0).margin(0.05));
        REQUIRE(out.size() > n / 2);
        const LineFit f = phase_line(out, idx, sym, 0);
        CHECK(f.max_amplitude_error < 0.02);
        CHECK(std::abs(f.slope) < 1e-3);
        CHECK(f.max_residual < 0.02);
    }
}

TEST_CASE("DsssReceiver: an erased stretch (zeros) keeps the lock with erasure_blocks", "[antijam]")
{
    // Digital hopping's dehopper zeroes a jammed dwell. Symbols 400..719 (ten tracking
    // blocks of 32) erased, with noise at 0 dB chip Es/N0 around them.
    const int sf = 16;
    const size_t per_symbol = 2 * sf;
    const cvec sym = qpsk_symbols(1400, 11);
    dsss_test::Channel ch;
    ch.chip_esn0_db = 0.0;
    ch.seed = 77;
    cvec rx = dsss_test::apply(spread(sym, sf, 0), ch);
    std::fill(rx.begin() + 400 * per_symbol, rx.begin() + 720 * per_symbol, cf(0.0f));
    for (int allowance : { 0, 16 }) {
        DsssReceiverConfig c;
        c.sf = sf;
        c.code_window_chips = 8;
        c.acquisition_symbols = 16;
        c.erasure_blocks = allowance;
        DsssReceiver r(dsss_test::sequence(), c);
        cvec out;
        std::vector<uint64_t> idx;
        for (size_t k = 0; k < rx.size(); k += 5000)
            r.process(rx.data() + k, std::min<size_t>(5000, rx.size() - k), out, &idx);
        INFO("erasure_blocks " << allowance << ": acquisitions " << r.stats().acquisitions << " losses "
                               << r.stats().lock_losses << " erased blocks " << r.stats().erased_blocks);
        if (allowance == 0) {
            // Counted as bad blocks: the lock is lost in the gap (and the searches go on).
            CHECK(r.stats().lock_losses >= 1);
            CHECK(r.stats().acquisitions >= 2);
            CHECK(r.stats().erased_blocks == 0);
            continue;
        }
        CHECK(r.stats().lock_losses == 0);
        CHECK(r.stats().acquisitions == 1);
        // Nine or ten whole blocks fall in the gap (the others straddle its ends).
        CHECK(r.stats().erased_blocks >= 9);
        CHECK(r.stats().erased_blocks <= 10);
        REQUIRE(idx.size() == out.size());
        for (size_t i = 1; i < idx.size(); ++i)
            REQUIRE(idx[i] == idx[i - 1] + 1); // every symbol despread, through the gap
        // The gap comes out as erasures (~0), the symbols after it as before it: the
        // decisions right at the despread +12 dB, against the output's slowly turning
        // residual carrier (estimated over the 32 symbols around each one).
        std::vector<std::complex<double>> z(idx.size());
        for (size_t i = 0; i < idx.size(); ++i)
            z[i] = std::complex<double>(out[i] * std::conj(sym[idx[i]]));
        int erased_big = 0, wrong_after = 0, after = 0;
        for (size_t i = 0; i < idx.size(); ++i) {
            const uint64_t k = idx[i];
            if (k >= 410 && k < 710)
                erased_big += std::abs(out[i]) > 0.01f ? 1 : 0;
            if (k >= 730 && i + 16 < idx.size()) {
                std::complex<double> ref;
                for (size_t j = i - 16; j <= i + 16; ++j)
                    ref += z[j];
                ++after;
                wrong_after += std::abs(std::arg(z[i] * std::conj(ref))) > 0.785 ? 1 : 0;
            }
        }
        CHECK(erased_big == 0);
        CHECK(after > 600);
        CHECK(wrong_after <= 2);
    }
}

TEST_CASE("DsssReceiver: a reference left behind by the carrier is re-anchored", "[antijam]")
{
    // The output carries the refined acquisition estimate as its reference for the whole
    // lock. Here the carrier steps by 0.08 cycles/symbol after 1500 symbols (an LO jump; a
    // refinement spoiled by a jammer leaves the same): the NCO follows, the reference
    // does not. Chip Es/N0 0 dB.
    const int sf = 16;
    const size_t per_symbol = 2 * sf;
    const cvec sym = qpsk_symbols(6000, 21);
    dsss_test::Channel ch;
    ch.chip_esn0_db = 0.0;
    ch.seed = 5;
    cvec rx = dsss_test::apply(spread(sym, sf, 0), ch);
    const double step = 0.08 / static_cast<double>(per_symbol); // cycles per sample
    for (size_t i = 1500 * per_symbol; i < rx.size(); ++i)
        rx[i] *= cf(std::polar(1.0, kTwoPi * step * static_cast<double>(i - 1500 * per_symbol)));
    // The output's residual carrier over its last 3000 symbols, cycles per symbol.
    auto residual = [&](double reanchor, DsssReceiverStats& st) {
        DsssReceiverConfig c;
        c.sf = sf;
        c.code_window_chips = 8;
        c.acquisition_symbols = 16;
        c.reanchor_cycles_per_symbol = reanchor;
        DsssReceiver r(dsss_test::sequence(), c);
        cvec out;
        std::vector<uint64_t> idx;
        r.process(rx.data(), rx.size(), out, &idx);
        st = r.stats();
        REQUIRE(out.size() > 4000);
        std::complex<double> acc;
        for (size_t i = out.size() - 3000; i + 1 < out.size(); ++i) {
            REQUIRE(idx[i + 1] == idx[i] + 1);
            const auto z0 = std::complex<double>(out[i] * std::conj(sym[idx[i]]));
            const auto z1 = std::complex<double>(out[i + 1] * std::conj(sym[idx[i + 1]]));
            acc += z1 * std::conj(z0);
        }
        return std::arg(acc) / kTwoPi;
    };
    DsssReceiverStats off, on;
    const double without = residual(0.0, off);
    const double with = residual(0.05, on);
    INFO("residual without " << without << " with " << with << " (cycles/symbol), reanchors " << on.reanchors
                             << ", tracked cfo " << on.cfo << " reference " << on.output_cfo);
    CHECK(off.lock_losses == 0);
    CHECK(on.lock_losses == 0);
    // The old reference stays for the whole lock without re-anchoring ...
    CHECK(off.reanchors == 0);
    CHECK(without == Approx(0.08).margin(0.01));
    // ... and is moved once to the tracked carrier with it.
    CHECK(on.reanchors == 1);
    CHECK(std::abs(with) < 0.005);
}

TEST_CASE("DsssReceiver: acquisition at chip Es/N0 -15 dB, SF 64, CFO and code offset", "[antijam]")
{
    const int sf = 64;
    const double cfo = 0.0031; // cycles per chip: 3.1 kHz at 1 Mchip/s
    const size_t offset_samples = 75; // 37.5 chips
    int good = 0;
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        const cvec sym = qpsk_symbols(64 + 256 + 20, seed); // search + refinement
        dsss_test::Channel ch;
        ch.chip_esn0_db = -15.0;
        ch.cfo = cfo;
        ch.delay_samples = offset_samples;
        ch.seed = seed * 7919;
        const cvec rx = dsss_test::apply(spread(sym, sf, 0), ch);
        DsssReceiverConfig c;
        c.sf = sf;
        c.code_window_chips = 64;
        c.max_cfo = 0.005;
        c.acquisition_symbols = 64;
        DsssReceiver r(dsss_test::sequence(), c);
        cvec out;
        r.process(rx.data(), rx.size(), out);
        const DsssAcquisition& a = r.last_acquisition();
        INFO("seed " << seed << ": searches " << r.stats().searches << " detected " << a.detected
                     << " metric " << a.metric << " threshold " << a.threshold << " phase "
                     << a.code_phase_chips << " cfo " << a.cfo << " refined " << a.cfo_refined);
        CHECK(r.stats().searches >= 1);
        const bool right = a.detected && r.stats().acquisitions == 1 &&
                           std::abs(a.code_phase_chips - 37.5) <= 0.5 &&
                           std::abs(a.cfo - cfo) <= 0.5 * a.bin_spacing + 1e-9;
        good += right ? 1 : 0;
        if (right) {
            CHECK(a.refined);
            CHECK(std::abs(a.cfo_refined - cfo) < 0.1 / sf); // < 0.1 cycles per symbol
        }
    }
    CHECK(good >= 9);
}

TEST_CASE("DsssReceiver: no false lock on noise alone", "[antijam]")
{
    DsssReceiverConfig c;
    c.sf = 64;
    c.code_window_chips = 64;
    c.max_cfo = 0.005;
    c.acquisition_symbols = 64;
    DsssReceiver r(dsss_test::sequence(), c);
    dsss_test::Channel ch;
    ch.chip_esn0_db = -15.0;
    ch.seed = 99;
    // Noise only: 40 searches' worth.
    const cvec noise = dsss_test::apply(cvec(40 * 64 * 64 * 2, cf(0.0f)), ch);
    cvec out;
    r.process(noise.data(), noise.size(), out);
    CHECK(r.stats().searches >= 38);
    CHECK(r.stats().acquisitions == 0);
    CHECK(out.empty());
    CHECK(r.last_acquisition().metric < r.last_acquisition().threshold);
    CHECK(r.last_acquisition().metric > 0.0);
}

TEST_CASE("DsssReceiver: bad input is counted, never thrown, bad config is", "[antijam]")
{
    DsssReceiverConfig c;
    c.sf = 16;
    c.code_window_chips = 8;
    c.acquisition_symbols = 8;
    DsssReceiver r(dsss_test::sequence(), c);
    cvec out;
    const float nan = std::nanf("");
    const cvec bad(5000, cf(nan, 1.0f));
    r.process(bad.data(), bad.size(), out);
    const cvec inf(1000, cf(INFINITY, -INFINITY));
    r.process(inf.data(), inf.size(), out);
    const cvec zeros(20000, cf(0.0f));
    r.process(zeros.data(), zeros.size(), out);
    r.process(nullptr, 0, out);
    CHECK(r.stats().nonfinite_samples == 6000);
    CHECK(r.stats().samples_in == 26000);
    CHECK(r.stats().searches > 10);
    CHECK(r.stats().acquisitions == 0);
    CHECK(out.empty());

    // Then a clean signal is still acquired.
    const cvec sym = qpsk_symbols(200, 9);
    dsss_test::Channel ch;
    const cvec rx = dsss_test::apply(spread(sym, 16, 0), ch);
    DsssReceiver fresh(dsss_test::sequence(), c);
    fresh.process(bad.data(), 64, out);
    fresh.process(rx.data() + 64, rx.size() - 64, out);
    CHECK(fresh.stats().acquisitions == 1);

    auto bad_cfg = [](auto edit) {
        DsssReceiverConfig k;
        edit(k);
        return k;
    };
    const auto seq = dsss_test::sequence();
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.sf = 2000; })), ConfigError);
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.erasure_blocks = -1; })), ConfigError);
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.reanchor_cycles_per_symbol = 0.5; })),
                    ConfigError);
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.code_window_chips = 0; })), ConfigError);
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.max_cfo = 0.3; })), ConfigError);
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.false_alarm_probability = 0; })),
                    ConfigError);
    CHECK_THROWS_AS(DsssReceiver(seq, bad_cfg([](DsssReceiverConfig& k) { k.shaping.samples_per_chip = 1; })),
                    ConfigError);
    CHECK_THROWS_AS(DsssReceiver(nullptr, DsssReceiverConfig{}), ConfigError);
}

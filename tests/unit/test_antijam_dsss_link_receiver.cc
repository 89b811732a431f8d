// SPDX-License-Identifier: GPL-3.0-or-later
// The whole keyed-DSSS link: TS packets -> Transmitter (QPSK 1/2 short frames) ->
// DsssSpreader -> AWGN at negative chip Es/N0 with a carrier offset and a delay ->
// DsssLinkReceiver (despreader -> SymbolReceiver -> FecReceiver) -> the same packets.
#include "dsss_test_link.h"
#include "rx_link.h"

#include <catch2/catch.hpp>
#include <dualsat/antijam/dsss_link_receiver.h>
#include <dualsat/antijam/dsss_spreader.h>
#include <dualsat/channel/channel_emulator.h>

using namespace dualsat;
using dsss_test::cvec;

namespace {

struct LinkRun {
    DsssLinkOutput out;
    DsssReceiverStats dsss;
    FecReceiverCounters fec;
};

LinkRun run_link(int sf, double chip_esn0_db, double cfo, size_t delay, int frames, uint64_t seed)
{
    rx_link::TxStream s;
    Transmitter tx(rx_link::tx_config());
    PlFramer framer(0);
    const std::vector<rx_link::Slot> pattern = {
        { false, rx_link::fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) }
    };
    rx_link::transmit(pattern, frames, s, tx, framer);

    DsssSpreader sp(dsss_test::sequence(), sf);
    cvec samples;
    sp.process(s.symbols.data(), s.symbols.size(), samples);
    dsss_test::Channel ch;
    ch.chip_esn0_db = chip_esn0_db;
    ch.cfo = cfo;
    ch.delay_samples = delay;
    ch.tail_samples = 600; // less than lock_loss_blocks blocks: the lock holds to the end
    ch.seed = seed;
    const cvec rx = dsss_test::apply(samples, ch);

    DsssLinkConfig c;
    c.dsss.sf = sf;
    c.dsss.code_window_chips = 64;
    c.dsss.max_cfo = 0.005;
    DsssLinkReceiver r(dsss_test::sequence(), c);
    LinkRun run;
    for (size_t k = 0; k < rx.size(); k += 65536)
        r.process(rx.data() + k, std::min<size_t>(65536, rx.size() - k), run.out);
    run.dsss = r.despreader().stats();
    run.fec = r.fec_counters();
    return run;
}

size_t run_frames_ok(const DsssLinkOutput& out)
{
    size_t ok = 0;
    for (const FecFrameStats& f : out.frames) {
        CHECK(f.status == FecFrameStatus::Ok);
        ok += f.status == FecFrameStatus::Ok ? 1 : 0;
    }
    return ok;
}

} // namespace

TEST_CASE("DsssLinkReceiver: QPSK 1/2 frames decode at -8 dB chip Es/N0, SF 16", "[antijam]")
{
    // SF 16: 12 dB of processing gain -> 4 dB symbol Es/N0, 3 dB above QPSK 1/2's
    // threshold (EN 302 307-1 Table 13: 1.00 dB).
    const LinkRun run = run_link(16, -8.0, 0.002, 101, 6, 11);
    INFO("acquisitions " << run.dsss.acquisitions << " lock losses " << run.dsss.lock_losses
                         << " despread Es/N0 " << run.dsss.esn0_db << " cfo " << run.dsss.cfo);
    CHECK(run.dsss.acquisitions == 1);
    CHECK(run.dsss.lock_losses == 0);
    CHECK(run.dsss.esn0_db == Approx(4.0).margin(1.5));
    CHECK(std::abs(run.dsss.cfo - 0.002) < 0.05 / 16);
    // The first frame may be partly before the lock and the frame sync; the rest decode.
    REQUIRE(run.out.frames.size() >= 4);
    for (const FecFrameStats& f : run.out.frames)
        CHECK(f.status == FecFrameStatus::Ok);
    CHECK(run.fec.frames_ok == run.out.frames.size());
    rx_link::check_contiguous(run.out.data.ts);
}

TEST_CASE("DsssLinkReceiver: another key decodes nothing", "[antijam]")
{
    rx_link::TxStream s;
    Transmitter tx(rx_link::tx_config());
    PlFramer framer(0);
    rx_link::transmit({ { false, rx_link::fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) } }, 2, s,
                      tx, framer);
    DsssSpreader sp(dsss_test::sequence(7, 1), 16);
    cvec samples;
    sp.process(s.symbols.data(), s.symbols.size(), samples);
    DsssLinkConfig c;
    c.dsss.sf = 16;
    DsssLinkReceiver r(dsss_test::sequence(7, 0), c);
    DsssLinkOutput out;
    r.process(samples.data(), samples.size(), out);
    CHECK(r.despreader().stats().searches > 10);
    CHECK(r.despreader().stats().acquisitions == 0);
    CHECK(out.frames.empty());
    CHECK(out.data.ts.empty());
}

TEST_CASE("DsssLinkReceiver: through the channel emulator (clock offset, Doppler drift, NaN)", "[antijam]")
{
    // At 1 Mchip/s: 2 kHz carrier offset drifting 50 Hz/s (the symbol-rate carrier
    // recovery sees the drift as it is, see dsss_receiver.h), sample clock 30 ppm off (the
    // chip timing slides by 0.03 chips per 1000 chips: the DLL follows), NaN samples.
    rx_link::TxStream s;
    Transmitter tx(rx_link::tx_config());
    PlFramer framer(0);
    rx_link::transmit({ { false, rx_link::fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) } }, 6, s,
                      tx, framer);
    DsssSpreader sp(dsss_test::sequence(), 16);
    cvec samples(200, dsss_test::cf(0.0f)); // a delay
    sp.process(s.symbols.data(), s.symbols.size(), samples);
    ChannelConfig cc;
    cc.sample_rate_hz = 2e6;
    cc.samples_per_symbol = 2.0; // a "symbol" of the emulator is a chip here
    cc.symbol_energy = 2.0;      // unit power per sample
    cc.esn0_db = -8.0;           // chip Es/N0
    cc.frequency_offset_hz = 2000.0;
    cc.frequency_drift_hz_per_s = 50.0;
    cc.initial_phase_rad = 2.0;
    cc.sample_clock_offset_ppm = 30.0;
    cc.nan_probability = 1e-5;
    cc.seed = 5;
    ChannelEmulator ch(cc);
    cvec rx;
    ch.process(samples, rx);

    DsssLinkConfig c;
    c.dsss.sf = 16;
    c.dsss.code_window_chips = 128;
    c.dsss.max_cfo = 0.005;
    DsssLinkReceiver r(dsss_test::sequence(), c);
    DsssLinkOutput out;
    for (size_t k = 0; k < rx.size(); k += 50000)
        r.process(rx.data() + k, std::min<size_t>(50000, rx.size() - k), out);
    const DsssReceiverStats& st = r.despreader().stats();
    INFO("acquisitions " << st.acquisitions << " losses " << st.lock_losses << " Es/N0 " << st.esn0_db << " cfo "
                         << st.cfo << " code phase " << st.code_phase_chips);
    CHECK(st.nonfinite_samples > 0);
    CHECK(st.acquisitions == 1);
    CHECK(st.lock_losses == 0);
    // The clock offset moved the chip timing by 30e-6 x the chip count (24 chips here).
    CHECK(st.code_phase_chips == Approx(100.0 + 24.0).margin(2.0));
    INFO("acquisition cfo " << r.despreader().last_acquisition().cfo << " refined "
                            << r.despreader().last_acquisition().cfo_refined);
    CHECK(st.cfo == Approx(0.00204).margin(0.05 / 16)); // within 0.05 cycles/symbol
    CHECK(std::abs(st.output_cfo - st.cfo) < 0.1 / 16);
    REQUIRE(run_frames_ok(out) >= 4);
    rx_link::check_contiguous(out.data.ts);
}

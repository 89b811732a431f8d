// SPDX-License-Identifier: GPL-3.0-or-later
// Frame-aligned PLFRAMEs for the carrier estimators' unit tests: the transmitted symbols
// of one frame followed by the next frame's SOF, with the references CarrierRecovery is
// given (decided header, next SOF, scrambling), and a carrier of known phase, frequency
// and Es/N0 applied to them.
#pragma once

#include <dualsat/channel/channel_emulator.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/pl/pl_scrambler.h>
#include <dualsat/pl/plheader.h>
#include <dualsat/rx/carrier_pilot_phase.h>
#include <dualsat/rx/carrier_signal_level.h>

#include <complex>
#include <cstdint>
#include <functional>
#include <vector>

namespace dualsat {
namespace test {

struct CarrierTestFrame {
    FrameFormat format;
    bool dummy = false;
    int length = 0;                         // PLFRAME symbols
    std::vector<std::complex<float>> tx;    // length + 26: the frame and the next SOF
    std::vector<std::complex<float>> data;  // the XFECFRAME's data symbols (unscrambled)
    std::complex<float> header_ref[kPlHeaderSymbols];
    std::complex<float> next_sof[kSofSymbols];
    std::vector<uint8_t> rn;                // length - 90 scrambling values
};

// Frame `counter` of the standard sequences (Gold code 0), random data labels.
inline CarrierTestFrame make_carrier_test_frame(const FrameFormat& format, bool dummy,
                                                uint64_t counter, uint64_t seed)
{
    CarrierTestFrame t;
    t.format = format;
    t.dummy = dummy;
    PlFramer framer(0);
    framer.set_frame_counter(counter);
    std::vector<std::complex<float>> buf(kMaxPlframeSymbols);
    if (dummy) {
        t.length = framer.dummy_frame(buf.data());
    } else {
        Constellation con(format.modcod);
        Rng rng(seed);
        t.data.resize(static_cast<size_t>(format.data_symbols()));
        for (auto& d : t.data)
            d = con.point(static_cast<unsigned>(rng.next() % static_cast<uint64_t>(con.size())));
        t.length = framer.frame(format, t.data.data(), buf.data());
    }
    StandardPlHeader header;
    GoldScrambling scrambling(0);
    header.header_symbols(dummy ? dummy_pls_code() : pls_code(format), counter, t.header_ref);
    header.sof_symbols(counter + 1, t.next_sof);
    const uint8_t* rn = scrambling.rn(counter, t.length - kPlHeaderSymbols);
    t.rn.assign(rn, rn + (t.length - kPlHeaderSymbols));
    t.tx.assign(buf.begin(), buf.begin() + t.length);
    t.tx.insert(t.tx.end(), t.next_sof, t.next_sof + kSofSymbols);
    return t;
}

// y[i] = amplitude x[i] e^{j phase(i)} + complex noise of variance amplitude^2 / esn0.
inline std::vector<std::complex<float>>
apply_carrier(const std::vector<std::complex<float>>& x, double amplitude,
              const std::function<double(int)>& phase, double esn0_db, uint64_t seed)
{
    Rng rng(seed);
    const double noise = amplitude * amplitude / std::pow(10.0, esn0_db / 10.0);
    std::vector<std::complex<float>> y(x.size());
    for (size_t i = 0; i < x.size(); ++i)
        y[i] = std::complex<float>(std::complex<double>(x[i]) * std::polar(amplitude, phase(static_cast<int>(i)))) +
               rng.complex_gaussian(noise);
    return y;
}

// The level of `frame` as CarrierRecovery measures it: the pilot estimator's z of the
// known segments derotated by w (PilotPhaseEstimator::derotated()), then the phase
// trajectory `phase` removed by the level estimator.
inline SignalLevel measure_level(const std::complex<float>* frame, double w, const double* phase,
                                 const std::vector<KnownSegment>& segments, bool own_phase)
{
    PilotPhaseEstimator pilot;
    pilot.measure(frame, w, segments, nullptr);
    SignalLevelEstimator level;
    return level.measure_derotated(pilot.derotated().data(), phase, segments, own_phase);
}

} // namespace test
} // namespace dualsat

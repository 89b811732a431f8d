// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the keyed-DSSS tests (tests/unit/test_antijam_*.cc) and bench_dsss: the
// known-answer key's chip sequences, and a channel at a given chip Es/N0 (complex AWGN,
// carrier offset, a delay) applied to the spreader's unit-power samples.
#pragma once

#include "fec_loopback_tx.h"
#include "../protect/protect_test_util.h"

#include <dualsat/antijam/chip_sequence.h>
#include <dualsat/core/phasor.h>

#include <cmath>
#include <complex>
#include <memory>
#include <vector>

namespace dsss_test {

using cf = std::complex<float>;
using cvec = std::vector<cf>;

// The ANTI-JAM sequence of make_vectors.py's key (epoch, link 3, forward); variant != 0:
// another master key.
inline std::shared_ptr<const dualsat::KeyedChipSequence> sequence(uint32_t epoch = 7, uint8_t variant = 0)
{
    auto schedule = protect_test::test_schedule(variant);
    return std::make_shared<dualsat::KeyedChipSequence>(
        dualsat::KeyedChipSequence::from_schedule(*schedule, epoch, 3, dualsat::LinkDirection::Forward));
}

// Noise variance per sample for a chip Es/N0 (dB) of a unit-power signal at sps samples per
// chip: Ec = P Tc = sps (in sample units), N0 = variance per sample.
inline double noise_variance(double chip_esn0_db, int sps)
{
    return sps * std::pow(10.0, -chip_esn0_db / 10.0);
}

struct Channel {
    double chip_esn0_db = 100.0;
    double cfo = 0.0;          // cycles per chip
    double phase = 0.7;        // rad
    size_t delay_samples = 0;  // noise-only samples before the signal
    size_t tail_samples = 0;   // and after it
    int sps = 2;
    double amplitude = 1.0;
    uint64_t seed = 1;
};

inline cvec apply(const cvec& x, const Channel& c)
{
    cvec y(c.delay_samples + x.size() + c.tail_samples, cf(0.0f));
    const double w = dualsat::kTwoPi * c.cfo / c.sps;
    for (size_t i = 0; i < x.size(); ++i) {
        const size_t n = i + c.delay_samples;
        y[n] = x[i] * cf(dualsat::unit_phasor_d(w * static_cast<double>(n) + c.phase) * c.amplitude);
    }
    if (c.chip_esn0_db < 99.0) {
        dualsat_test::FastGaussian g(c.seed);
        dualsat_test::add_awgn(y.data(), y.size(), noise_variance(c.chip_esn0_db, c.sps) * c.amplitude * c.amplitude, g);
    }
    return y;
}

} // namespace dsss_test

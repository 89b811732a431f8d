// SPDX-License-Identifier: GPL-3.0-or-later
// CarrierRecovery without an output buffer (a dummy frame nobody reads): the same
// estimates and the same frequency tracking as with one, frame after frame, on a mix of
// dummy and pilot frames with a carrier offset; and the output, when asked for, is the
// transmitted frame back.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/rx/carrier_recovery.h>

#include <cmath>

using namespace dualsat;
using namespace dualsat::test;
using cf = std::complex<float>;

TEST_CASE("Carrier recovery: estimates only (no output) track like the full process", "[carrier]")
{
    const FrameFormat data_format{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Short, true };
    CarrierRecovery with_out, without_out;
    with_out.reset(0.0);
    without_out.reset(0.0);
    const double f = 2e-4, phi0 = 0.3;
    std::vector<cf> out(kMaxPlframeSymbols);
    int start = 0;
    for (int k = 0; k < 12; ++k) {
        const bool dummy = k % 3 != 2;
        CAPTURE(k, dummy);
        const CarrierTestFrame t = make_carrier_test_frame(data_format, dummy, static_cast<uint64_t>(k), 5 + k);
        const auto rx = apply_carrier(t.tx, 0.8, [&](int i) { return phi0 + f * (start + i); }, 6.0,
                                      40 + static_cast<uint64_t>(k));
        start += t.length;
        CarrierEstimate a, b;
        with_out.process(rx.data(), t.length, dummy, t.format, t.header_ref, t.rn.data(), t.next_sof, out.data(),
                         &a);
        without_out.process(rx.data(), t.length, dummy, t.format, t.header_ref, t.rn.data(), t.next_sof, nullptr,
                            &b);
        CHECK(a.frequency == b.frequency);
        CHECK(a.esn0_db == b.esn0_db);
        CHECK(a.amplitude == b.amplitude);
        CHECK(a.phase_start == b.phase_start);
        CHECK(with_out.frequency() == without_out.frequency());
        CHECK(a.known_symbols > 0);
        // The estimate is real: the Es/N0 within a dB of the channel's, the output on the
        // transmitted symbols once the frequency has settled.
        CHECK(std::fabs(a.esn0_db - 6.0) < 1.0);
        if (k >= 6) {
            double err = 0.0;
            for (int i = 0; i < t.length; ++i)
                err += std::norm(out[static_cast<size_t>(i)] - t.tx[static_cast<size_t>(i)]);
            CHECK(err / t.length < 0.5); // noise variance 1/4 at 6 dB, plus a little phase error
        }
    }
    CHECK(std::fabs(with_out.frequency() - f) < 5e-5);
}

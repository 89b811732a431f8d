// SPDX-License-Identifier: GPL-3.0-or-later
// Throughput of the receive front end (AGC + matched-filter bank + Gardner timing loop):
// input Msamples/s at 2 and 2.37 samples/symbol, scalar / SSE4.1 / AVX2 FIR kernels in the
// same run (interleaved rounds, best of 5), ratios against scalar; rates per CPU-second of
// the benchmark thread. Also the AGC alone and the timing recovery alone, the latter also
// with its reference strobe loop (TimingRecoveryConfig::reference_loop). Not a test:
// numbers depend on the machine and its load.
//
//   ./tests/bench/bench_rx_frontend [seconds_per_point]
#include <dualsat/dsp/agc.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/rx/rx_frontend.h>
#include <dualsat/rx/timing_recovery.h>

#include <algorithm>
#include <ctime>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {
double g_seconds = 0.3;

std::vector<cf> received(double sps, size_t nsym)
{
    std::mt19937 rng(1);
    std::vector<cf> s(nsym);
    for (auto& x : s)
        x = cf((rng() & 1) ? 0.7071f : -0.7071f, (rng() & 2) ? 0.7071f : -0.7071f);
    TxPulseShaper tx = TxPulseShaper::for_rates(0.2, 16, 1.0, sps);
    std::vector<cf> x = tx.process(s);
    std::normal_distribution<float> g(0.0f, 0.1f);
    for (auto& v : x)
        v += cf(g(rng), g(rng));
    return x;
}

// Thread CPU time, not wall time: the build machine is shared (load above its core count),
// and wall-clock rates would mostly measure the other jobs.
double cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double measure_once(const std::function<void()>& step, size_t per_call)
{
    size_t calls = 0;
    const double t0 = cpu_seconds();
    double el = 0.0;
    do {
        step();
        ++calls;
        el = cpu_seconds() - t0;
    } while (el < g_seconds / 5);
    return static_cast<double>(calls * per_call) / el / 1e6;
}

const SimdLevel kLevels[] = { SimdLevel::Scalar, SimdLevel::SSE41, SimdLevel::AVX2 };
using Runner = std::function<void()>;

void row(const std::string& name, const std::function<Runner(SimdLevel)>& make, size_t per_call)
{
    std::vector<Runner> runners;
    std::vector<double> best;
    for (SimdLevel l : kLevels) {
        runners.push_back(supported(l) == l ? make(l) : Runner());
        best.push_back(0.0);
    }
    for (int round = 0; round < 5; ++round)
        for (size_t i = 0; i < runners.size(); ++i)
            if (runners[i])
                best[i] = std::max(best[i], measure_once(runners[i], per_call));
    std::printf("%-44s", name.c_str());
    for (size_t i = 0; i < best.size(); ++i) {
        if (!runners[i])
            std::printf(" %18s", "n/a");
        else if (i == 0)
            std::printf(" %10.1f", best[i]);
        else
            std::printf(" %10.1f (%4.2fx)", best[i], best[i] / best[0]);
    }
    std::printf("\n");
    std::fflush(stdout);
}
} // namespace

int main(int argc, char** argv)
{
    if (argc > 1)
        g_seconds = std::max(0.05, std::atof(argv[1]));
    std::printf("CPU SIMD: %s; input Msamples per CPU-second, best of 5 interleaved rounds; (x) = ratio to scalar\n\n",
                to_string(detected_simd_level()).c_str());
    std::printf("%-44s %10s %18s %18s\n", "case", "scalar", "sse4.1", "avx2");

    for (double sps : { 2.0, 2.37, 4.0 }) {
        const auto x = received(sps, 8192);
        auto out = std::make_shared<std::vector<cf>>(x.size());
        for (int span : { 8, 12 }) {
            char name[96];
            std::snprintf(name, sizeof name, "RxFrontEnd %.2f sps, span %d", sps, span);
            row(name,
                [&, span](SimdLevel l) -> Runner {
                    RxFrontEndConfig c;
                    c.symbol_rate = 1.0;
                    c.sample_rate = sps;
                    c.rolloff = 0.2;
                    c.timing.span_symbols = span;
                    auto fe = std::make_shared<RxFrontEnd>(c, l);
                    return [fe, &x, out] { fe->process(x.data(), x.size(), out->data(), out->size()); };
                },
                x.size());
        }
        for (bool reference : { false, true }) {
            // reference: the strobe loop calling the FIR kernel through its pointer (the
            // loop before the per-ISA instances; the same symbols).
            char name[96];
            std::snprintf(name, sizeof name, reference ? "  TimingRecovery %.2f sps, 12, ref. loop"
                                                       : "  TimingRecovery alone %.2f sps, span 12",
                          sps);
            row(name,
                [&, reference](SimdLevel l) -> Runner {
                    TimingRecoveryConfig c;
                    c.samples_per_symbol = sps;
                    c.rolloff = 0.2;
                    c.reference_loop = reference;
                    auto tr = std::make_shared<TimingRecovery>(c, l);
                    return [tr, &x, out] { tr->process(x.data(), x.size(), out->data(), out->size()); };
                },
                x.size());
        }
    }
    {
        const auto x = received(2.0, 8192);
        auto out = std::make_shared<std::vector<cf>>(x.size());
        row("  Agc alone",
            [&](SimdLevel l) -> Runner {
                auto agc = std::make_shared<Agc>(AgcConfig{}, l);
                return [agc, &x, out] { agc->process(x.data(), x.size(), out->data()); };
            },
            x.size());
    }
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Throughput of the transmit pulse shaper (and the resampler / matched filter that share its
// engine): output Msamples/s per SIMD level in one run, with ratios against scalar.
// Also VOLK's volk_32fc_32f_dot_prod_32fc driving the same polyphase structure, as an
// outside reference for the kernel. Not a test: numbers depend on the machine and its load.
//
//   ./tests/bench/bench_pulse_shaper [seconds_per_point]
#include <dualsat/dsp/matched_filter.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/dsp/resampler.h>

#include <algorithm>
#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#ifdef DUALSAT_BENCH_HAVE_VOLK
#include <volk/volk.h>
#endif

using namespace dualsat;
using cf = std::complex<float>;

namespace {
double g_seconds = 0.3;

std::vector<cf> symbols(size_t n)
{
    std::mt19937 rng(1);
    std::vector<cf> s(n);
    for (auto& x : s)
        x = cf((rng() & 1) ? 0.7071f : -0.7071f, (rng() & 2) ? 0.7071f : -0.7071f);
    return s;
}

// Runs step() (which produces `per_call` outputs) for about a fifth of the time budget;
// Msamples/s of output.
double measure_once(const std::function<void()>& step, size_t per_call)
{
    size_t calls = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double el = 0.0;
    do {
        step();
        ++calls;
        el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (el < g_seconds / 5);
    return static_cast<double>(calls * per_call) / el / 1e6;
}

#ifdef DUALSAT_BENCH_HAVE_VOLK
// The same polyphase interpolator, with VOLK's dot product over per-phase reversed taps.
struct VolkInterp {
    int sps;
    size_t k;
    std::vector<float*> phase; // volk_malloc'd: VOLK 2.5's dot-product kernels load the
                               // taps with aligned loads even in the _u variant
    std::vector<cf> hist;
    VolkInterp(const std::vector<float>& h, int sps_) : sps(sps_)
    {
        k = (h.size() + sps - 1) / sps;
        for (int p = 0; p < sps; ++p) {
            phase.push_back(static_cast<float*>(volk_malloc(k * sizeof(float), volk_get_alignment())));
            for (size_t j = 0; j < k; ++j) {
                const size_t idx = j * sps + p;
                phase[p][k - 1 - j] = idx < h.size() ? h[idx] : 0.0f;
            }
        }
    }
    ~VolkInterp()
    {
        for (float* p : phase)
            volk_free(p);
    }
    VolkInterp(const VolkInterp&) = delete;
    VolkInterp& operator=(const VolkInterp&) = delete;
    void run(const cf* in, size_t n, cf* out)
    {
        hist.resize(k - 1 + n);
        std::copy(in, in + n, hist.begin() + (k - 1));
        for (size_t i = 0; i < n; ++i)
            for (int p = 0; p < sps; ++p)
                volk_32fc_32f_dot_prod_32fc(reinterpret_cast<lv_32fc_t*>(&out[i * sps + p]),
                                            reinterpret_cast<const lv_32fc_t*>(&hist[i]),
                                            phase[p], static_cast<unsigned>(k));
        std::copy(hist.end() - (k - 1), hist.end(), hist.begin());
    }
};
#endif

const SimdLevel kLevels[] = { SimdLevel::Scalar, SimdLevel::SSE41, SimdLevel::AVX2 };
} // namespace

int main(int argc, char** argv)
{
    if (argc > 1)
        g_seconds = std::max(0.05, std::atof(argv[1]));
    const size_t nsym = 4096;
    const auto sym = symbols(nsym);
    std::vector<cf> out(nsym * 64);

    std::printf("CPU SIMD: %s; Msamples/s of output, best of 5 interleaved rounds; (x) = ratio to scalar\n\n",
                to_string(detected_simd_level()).c_str());
    std::printf("%-36s %10s %20s %20s %20s\n", "case", "scalar", "sse4.1", "avx2", "volk (same structure)");

    // Each case builds one runner per SIMD level; rounds go round-robin over the levels so
    // that a machine shared with other jobs slows them all alike. Best round per level.
    using Runner = std::function<void()>;
    auto row = [&](const std::string& name, const std::function<Runner(SimdLevel)>& make,
                   size_t per_call, Runner volk) {
        std::vector<Runner> runners;
        std::vector<double> best;
        for (SimdLevel l : kLevels) {
            runners.push_back(supported(l) == l ? make(l) : Runner());
            best.push_back(0.0);
        }
        if (volk) {
            runners.push_back(volk);
            best.push_back(0.0);
        }
        for (int round = 0; round < 5; ++round)
            for (size_t i = 0; i < runners.size(); ++i)
                if (runners[i])
                    best[i] = std::max(best[i], measure_once(runners[i], per_call));
        std::printf("%-36s", name.c_str());
        for (size_t i = 0; i < best.size(); ++i) {
            if (!runners[i])
                std::printf(" %20s", "n/a");
            else if (i == 0)
                std::printf(" %10.1f", best[i]);
            else
                std::printf(" %12.1f (%4.2fx)", best[i], best[i] / best[0]);
        }
        std::printf("\n");
        std::fflush(stdout);
    };

    for (int sps : { 2, 4 })
        for (int span : { 16, 32, 64 }) {
            const std::string name = "shaper sps " + std::to_string(sps) + " span " + std::to_string(span) +
                                     " (" + std::to_string(rrc_num_taps(sps, span)) + " taps)";
            Runner volk;
#ifdef DUALSAT_BENCH_HAVE_VOLK
            auto vi = std::make_shared<VolkInterp>(rrc_taps(0.2, sps, span), sps);
            volk = [vi, &sym, &out] { vi->run(sym.data(), sym.size(), out.data()); };
#endif
            row(name,
                [&](SimdLevel l) -> Runner {
                    auto ps = std::make_shared<PulseShaper>(0.2, sps, span, l);
                    return [ps, &sym, &out] { ps->process(sym.data(), sym.size(), out.data()); };
                },
                nsym * static_cast<size_t>(sps), volk);
        }

    struct RsCase {
        const char* name;
        Ratio ratio;
    };
    for (const RsCase& c : { RsCase{ "TX 2 sps -> 4.74 sps (237/100)", Ratio::of(237, 100) },
                             RsCase{ "TX 2 sps -> 4.1667 sps (25/12)", Ratio::of(25, 12) },
                             RsCase{ "TX 2 sps -> pi/1.2*2 sps (irrat.)", Ratio::from_double(3.14159265358979 / 1.2) } }) {
        const double osps = 2.0 * c.ratio.value();
        row(c.name,
            [&](SimdLevel l) -> Runner {
                auto tx = std::make_shared<TxPulseShaper>(0.2, 16, 2, c.ratio, l);
                return [tx, &sym, &out] { tx->process(sym.data(), sym.size(), out.data(), out.size()); };
            },
            static_cast<size_t>(static_cast<double>(nsym) * osps), Runner());
    }
    const auto rx_in = [&] {
        PulseShaper ps(0.2, 8, 16);
        return ps.process(sym);
    }();
    row("RX matched filter 8 -> 2 sps, span 16",
        [&](SimdLevel l) -> Runner {
            auto mf = std::make_shared<MatchedFilter>(0.2, 8, 16, 2, l);
            return [mf, &rx_in, &out] { mf->process(rx_in.data(), rx_in.size(), out.data(), out.size()); };
        },
        rx_in.size() / 4, Runner());
    return 0;
}

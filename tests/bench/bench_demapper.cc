// SPDX-License-Identifier: GPL-3.0-or-later
// Throughput of the soft demapper (scalar vs SSE4.1 vs AVX2, same run) and of the mapper.
// Usage: bench_demapper [seconds per measurement, default 0.3]
#include <dualsat/core/cpu_features.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/mapping/soft_demapper.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;
using clk = std::chrono::steady_clock;

namespace {

volatile int g_sink; // keeps results alive

// Best of 3 windows of `seconds`: the machine is shared, the best window is the least
// disturbed one. Returns million symbols per second.
template <class F>
double msym_per_s(size_t symbols_per_call, double seconds, F&& call)
{
    double best = 0.0;
    for (int rep = 0; rep < 3; ++rep) {
        size_t calls = 0;
        const auto t0 = clk::now();
        double elapsed = 0.0;
        do {
            call();
            ++calls;
            elapsed = std::chrono::duration<double>(clk::now() - t0).count();
        } while (elapsed < seconds);
        best = std::max(best, double(calls * symbols_per_call) / elapsed / 1e6);
    }
    return best;
}

} // namespace

int main(int argc, char** argv)
{
    const double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
    std::printf("CPU SIMD: %s (DUALSAT_SIMD does not apply: levels are chosen explicitly)\n",
                to_string(detected_simd_level()).c_str());
    std::printf("one normal FECFRAME per call, Es/N0 10 dB, Msym/s (best of 3 x %.2f s)\n\n", seconds);

    const ModCod modcods[] = { { Modulation::QPSK, CodeRate::R1_2 },
                               { Modulation::PSK8, CodeRate::R3_5 },
                               { Modulation::APSK16, CodeRate::R2_3 },
                               { Modulation::APSK32, CodeRate::R3_4 } };
    const SimdLevel levels[] = { SimdLevel::Scalar, SimdLevel::SSE41, SimdLevel::AVX2 };
    std::mt19937 rng(1);

    std::printf("max-log demapper      out   scalar    sse4.1    avx2    sse/scalar avx2/scalar\n");
    for (const ModCod& mc : modcods) {
        Mapper mapper(mc, FrameSize::Normal);
        std::vector<uint8_t> bits(mapper.frame_bytes());
        for (auto& b : bits)
            b = static_cast<uint8_t>(rng());
        std::vector<cf> sym(mapper.frame_symbols());
        mapper.map_frame(bits.data(), bits.size(), sym.data(), sym.size());
        const float n0 = noise_variance_from_esn0_db(10.0f);
        std::normal_distribution<float> g(0.0f, std::sqrt(n0 / 2));
        for (auto& s : sym)
            s += cf(g(rng), g(rng));
        std::vector<float> llr(mapper.frame_bits());
        std::vector<int8_t> q(mapper.frame_bits());
        for (bool int8 : { false, true }) {
            double r[3] = { 0, 0, 0 };
            for (int l = 0; l < 3; ++l) {
                if (supported(levels[l]) != levels[l])
                    continue;
                SoftDemapper d(mapper.constellation(), DemapAlgorithm::MaxLog, levels[l]);
                r[l] = msym_per_s(sym.size(), seconds, [&] {
                    if (int8)
                        d.demap_int8(sym.data(), sym.size(), n0, 4.0f, q.data(), q.size());
                    else
                        d.demap(sym.data(), sym.size(), n0, llr.data(), llr.size());
                    g_sink = int8 ? q[7] : static_cast<int>(llr[7]);
                });
            }
            std::printf("%-20s %5s %8.1f %9.1f %8.1f %10.2fx %10.2fx\n", to_string(mc).c_str(),
                        int8 ? "int8" : "float", r[0], r[1], r[2], r[1] / r[0], r[2] / r[0]);
        }
    }

    std::printf("\nexact-log (scalar, double) reference, float out\n");
    for (const ModCod& mc : modcods) {
        Constellation c(mc);
        std::vector<cf> sym(8100);
        for (auto& s : sym)
            s = c.point(rng() % static_cast<unsigned>(c.size())) * 1.01f;
        std::vector<float> llr(sym.size() * static_cast<size_t>(c.bits_per_symbol()));
        SoftDemapper d(c, DemapAlgorithm::ExactLog);
        const double r = msym_per_s(sym.size(), seconds, [&] {
            d.demap(sym.data(), sym.size(), 0.1f, llr.data(), llr.size());
            g_sink = static_cast<int>(llr[3]);
        });
        std::printf("%-20s %8.1f Msym/s\n", to_string(mc).c_str(), r);
    }

    std::printf("\nmapper (one normal frame per call)   packed    unpacked    labels   [Msym/s]\n");
    for (const ModCod& mc : modcods) {
        Mapper m(mc, FrameSize::Normal);
        std::vector<uint8_t> packed(m.frame_bytes()), unpacked(m.frame_bits()), labels(m.frame_symbols());
        for (auto& b : packed)
            b = static_cast<uint8_t>(rng());
        for (auto& b : unpacked)
            b = static_cast<uint8_t>(rng() & 1);
        for (auto& b : labels)
            b = static_cast<uint8_t>(rng() % static_cast<unsigned>(m.constellation().size()));
        std::vector<cf> out(m.frame_symbols());
        double r[3];
        const MapperInput forms[] = { MapperInput::PackedBits, MapperInput::UnpackedBits, MapperInput::Labels };
        const uint8_t* inputs[] = { packed.data(), unpacked.data(), labels.data() };
        for (int f = 0; f < 3; ++f)
            r[f] = msym_per_s(out.size(), seconds, [&] {
                m.map_frame(forms[f], inputs[f], out.data());
                g_sink = static_cast<int>(out[5].real());
            });
        std::printf("%-30s %10.1f %10.1f %10.1f\n", to_string(mc).c_str(), r[0], r[1], r[2]);
    }
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The receive front end (RxFrontEnd: AGC, derotation, matched filter + timing loop) of two
// source trees in one process, timed in interleaved rounds on the same recording: the
// before/after of a front-end change measured in the same run, as the shared machine's
// load moves between runs. Built by bench_frontend_ab.sh, not by CMake: the "before"
// tree's front-end sources are compiled into namespace dualsat_old (-Ddualsat=dualsat_old)
// and linked beside the current libdualsat. Not a test.
//
//   tests/bench/bench_frontend_ab.sh BEFORE_COMMIT RECORDING.cf32 [samples] [rounds] [correction]
//
// This file is compiled three times: with RUNNER=old / RUNNER=new (the two front ends
// behind a C interface, against each tree's headers) and without RUNNER (the driver).
#if defined(RUNNER)
#include <dualsat/rx/rx_frontend.h>

#include <cstddef>

#define DUALSAT_AB_CAT2(a, b) a##b
#define DUALSAT_AB_CAT(a, b) DUALSAT_AB_CAT2(a, b)

extern "C" void* DUALSAT_AB_CAT(make_, RUNNER)(double correction)
{
    dualsat::RxFrontEndConfig c; // the receiver's front end for a 30 Msym/s carrier at 2 sps
    c.symbol_rate = 30e6;
    c.sample_rate = 60e6;
    c.rolloff = 0.2;
    auto* fe = new dualsat::RxFrontEnd(c);
    if (correction != 0.0)
        fe->set_frequency_correction(correction);
    return fe;
}

extern "C" void DUALSAT_AB_CAT(free_, RUNNER)(void* fe) { delete static_cast<dualsat::RxFrontEnd*>(fe); }

extern "C" size_t DUALSAT_AB_CAT(run_, RUNNER)(void* p, const void* in, size_t n, void* out, size_t room,
                                               double* times, size_t* consumed)
{
    auto* fe = static_cast<dualsat::RxFrontEnd*>(p);
    const dualsat::StreamResult r = fe->process(static_cast<const std::complex<float>*>(in), n,
                                                static_cast<std::complex<float>*>(out), room, times);
    *consumed = r.consumed;
    return r.produced;
}
#else
#include <algorithm>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <vector>

extern "C" {
void* make_old(double);
void free_old(void*);
size_t run_old(void*, const void*, size_t, void*, size_t, double*, size_t*);
void* make_new(double);
void free_new(void*);
size_t run_new(void*, const void*, size_t, void*, size_t, double*, size_t*);
}

namespace {
double thread_cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: frontend_ab RECORDING.cf32 [samples] [rounds] [correction]\n");
        return 2;
    }
    const size_t n = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4000000;
    const int rounds = argc > 3 ? std::atoi(argv[3]) : 10;
    const double correction = argc > 4 ? std::atof(argv[4]) : -0.0123;
    std::vector<std::complex<float>> x(n);
    std::ifstream f(argv[1], std::ios::binary);
    f.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(n * sizeof x[0]));
    const size_t got = static_cast<size_t>(f.gcount()) / sizeof x[0];
    x.resize(got);
    std::vector<std::complex<float>> out(20000);
    std::vector<double> times(out.size());
    double best[2] = { 1e30, 1e30 };
    size_t symbols[2] = { 0, 0 };
    for (int r = 0; r < rounds; ++r) {
        for (int which = 0; which < 2; ++which) {
            void* fe = which ? make_new(correction) : make_old(correction);
            size_t syms = 0;
            const double t0 = thread_cpu_seconds();
            // 16k-sample calls, as the receiver's front-end thread makes them.
            for (size_t pos = 0; pos < x.size();) {
                const size_t take = std::min<size_t>(16384, x.size() - pos);
                for (size_t done = 0; done < take;) {
                    size_t consumed = 0;
                    syms += (which ? run_new : run_old)(fe, x.data() + pos + done, take - done, out.data(),
                                                       out.size(), times.data(), &consumed);
                    done += consumed;
                }
                pos += take;
            }
            const double ns = (thread_cpu_seconds() - t0) / static_cast<double>(syms) * 1e9;
            best[which] = std::min(best[which], ns);
            symbols[which] = syms;
            which ? free_new(fe) : free_old(fe);
        }
    }
    std::printf("front end, %zu samples -> %zu / %zu symbols, correction %g cycles/symbol: "
                "before %.2f ns/symbol, after %.2f ns/symbol (thread CPU, best of %d interleaved "
                "rounds), before/after %.3f\n",
                x.size(), symbols[0], symbols[1], correction, best[0], best[1], rounds, best[0] / best[1]);
    return 0;
}
#endif

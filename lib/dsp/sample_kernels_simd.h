// SPDX-License-Identifier: GPL-3.0-or-later
//
// The sample-conditioning kernels of dualsat/dsp/sample_kernels.h, written once over an
// ISA tag and instantiated by sample_kernels_sse41.cc and sample_kernels_avx2.cc. Each
// lane does what the scalar reference does to its sample, with the same roundings:
//  - agc_block: the non-finite test (x - x == 0), the zeroing, re² + im² and g·x run
//    across the vector; each complex lane's power goes to its own partial sum (a group of
//    four samples fills one AVX2 vector or two SSE4.1 vectors), as in the reference.
//  - rotate: the start phasor times the table entries in double (addsub gives re·re -
//    im·im and re·im + im·re), both vectors rounded to one float vector, then x·c in float
//    (x·re(c) addsub swap(x)·im(c)).
//  - rotate_ramp: the phases, then unit_phasor_d's range reduction, series and double
//    angle lane by lane, then the same complex multiply as rotate.
#pragma once

#include <dualsat/core/constants.h>
#include <dualsat/core/simd.h>
#include <dualsat/dsp/sample_kernels.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {
namespace kernels {
namespace {

template <class Isa>
struct SampleSimd {
    using Ops = simd::Ops<Isa>;
    using F = typename Ops::f32;
    using D = typename Ops::f64;
    using reg = typename F::reg;
    static constexpr size_t kComplex = F::kLanes / 2; // complex samples per f32 vector

    static void agc_block(const std::complex<float>* in, size_t n, std::complex<float>* out, float g,
                          float* acc, unsigned first, uint64_t* nonfinite)
    {
        static_assert(kAgcSums % kComplex == 0, "a group of kAgcSums samples fills whole vectors");
        constexpr size_t kVecs = kAgcSums / kComplex; // vectors per group of kAgcSums samples
        const float* xin = reinterpret_cast<const float*>(in);
        float* xout = reinterpret_cast<float*>(out);
        const reg gain = F::set1(g);
        const reg zero = F::zero();
        // Partial sums in the even lanes: vector v, complex lane c holds the sum of the
        // samples k with k % kAgcSums == v·kComplex + c, i.e. acc[(first + that) % kAgcSums].
        alignas(32) float lanes[kVecs][F::kLanes] = {};
        for (size_t v = 0; v < kVecs; ++v)
            for (size_t c = 0; c < kComplex; ++c)
                lanes[v][2 * c] = acc[(first + v * kComplex + c) % kAgcSums];
        reg sums[kVecs];
        for (size_t v = 0; v < kVecs; ++v)
            sums[v] = F::load(lanes[v]);
        uint64_t bad = 0;
        size_t k = 0;
        for (; k + kAgcSums <= n; k += kAgcSums) {
            for (size_t v = 0; v < kVecs; ++v) {
                const float* p = xin + 2 * (k + v * kComplex);
                const reg x = F::loadu(p);
                const reg finite = F::cmpeq(F::sub(x, x), zero);
                // A sample is kept only if both its parts are finite.
                const reg keep = F::and_(finite, F::swap_pairs(finite));
                const unsigned dropped = F::movemask(keep) ^ ((1u << F::kLanes) - 1);
                if (dropped != 0) { // rare: count the samples (two lanes each)
                    unsigned bits = 0;
                    for (unsigned m = dropped; m != 0; m &= m - 1)
                        ++bits;
                    bad += bits / 2;
                }
                const reg xk = F::and_(x, keep);
                const reg sq = F::mul(xk, xk);
                // re² + im² in the even lanes (the reference's order of the two terms).
                sums[v] = F::add(sums[v], F::add(sq, F::swap_pairs(sq)));
                F::storeu(xout + 2 * (k + v * kComplex), F::mul(gain, xk));
            }
        }
        for (size_t v = 0; v < kVecs; ++v) {
            F::store(lanes[v], sums[v]);
            for (size_t c = 0; c < kComplex; ++c)
                acc[(first + v * kComplex + c) % kAgcSums] = lanes[v][2 * c];
        }
        *nonfinite += bad;
        if (k < n) // the last few samples: the reference itself
            agc_block_scalar(in + k, n - k, out + k, g, acc, static_cast<unsigned>((first + k) % kAgcSums),
                             nonfinite);
    }

    static void rotate(std::complex<float>* x, size_t n, const double* table, std::complex<double> start)
    {
        float* xf = reinterpret_cast<float*>(x);
        const typename D::reg pr = D::set1(start.real());
        const typename D::reg pi = D::set1(start.imag());
        constexpr size_t kPerD = D::kLanes / 2; // complex<double> per f64 vector
        size_t k = 0;
        for (; k + kComplex <= n; k += kComplex) {
            const typename D::reg t0 = D::loadu(table + 2 * k);
            const typename D::reg t1 = D::loadu(table + 2 * (k + kPerD));
            const typename D::reg c0 = D::addsub(D::mul(t0, pr), D::mul(D::swap_pairs(t0), pi));
            const typename D::reg c1 = D::addsub(D::mul(t1, pr), D::mul(D::swap_pairs(t1), pi));
            const reg c = Ops::f64_pair_to_f32(c0, c1);
            const reg v = F::loadu(xf + 2 * k);
            const reg y = F::addsub(F::mul(v, F::dup_even(c)), F::mul(F::swap_pairs(v), F::dup_odd(c)));
            F::storeu(xf + 2 * k, y);
        }
        if (k < n)
            rotate_scalar(x + k, n - k, table + 2 * k, start);
    }

    // unit_phasor_d (dualsat/core/phasor.h) on D::kLanes phases at once, operation for
    // operation: cosine parts to c, sine parts to s.
    static DUALSAT_SIMD_INLINE void unit_phasors(typename D::reg phase, typename D::reg& c_out,
                                                 typename D::reg& s_out)
    {
        using dr = typename D::reg;
        const dr x = D::mul(phase, D::set1(1.0 / kTwoPi));
        const dr rounded = D::sub(D::add(x, D::set1(6755399441055744.0)), D::set1(6755399441055744.0));
        const dr k = D::select(x, rounded, D::less(D::abs(x), D::set1(2251799813685248.0)));
        const dr r = D::sub(phase, D::mul(D::set1(kTwoPi), k));
        const dr h = D::mul(D::set1(0.5), r);
        const dr h2 = D::mul(h, h);
        dr s = D::set1(1.0 / 6227020800.0);
        s = D::sub(D::mul(s, h2), D::set1(1.0 / 39916800.0));
        s = D::add(D::mul(s, h2), D::set1(1.0 / 362880.0));
        s = D::sub(D::mul(s, h2), D::set1(1.0 / 5040.0));
        s = D::add(D::mul(s, h2), D::set1(1.0 / 120.0));
        s = D::sub(D::mul(s, h2), D::set1(1.0 / 6.0));
        s = D::mul(D::add(D::mul(s, h2), D::set1(1.0)), h);
        dr c = D::set1(-1.0 / 87178291200.0);
        c = D::add(D::mul(c, h2), D::set1(1.0 / 479001600.0));
        c = D::sub(D::mul(c, h2), D::set1(1.0 / 3628800.0));
        c = D::add(D::mul(c, h2), D::set1(1.0 / 40320.0));
        c = D::sub(D::mul(c, h2), D::set1(1.0 / 720.0));
        c = D::add(D::mul(c, h2), D::set1(1.0 / 24.0));
        c = D::sub(D::mul(c, h2), D::set1(0.5));
        c = D::add(D::mul(c, h2), D::set1(1.0));
        c_out = D::sub(D::mul(c, c), D::mul(s, s));
        s_out = D::mul(D::mul(D::set1(2.0), s), c);
    }

    static void rotate_ramp(std::complex<float>* x, const double* t, size_t n, double p0, double slope, double t0)
    {
        float* xf = reinterpret_cast<float*>(x);
        constexpr size_t kLanes = D::kLanes; // symbols per step: one f64 vector of phases
        static_assert(kLanes == kComplex, "one f64 vector of phases per f32 vector of symbols");
        const typename D::reg vp0 = D::set1(p0), vslope = D::set1(slope), vt0 = D::set1(t0);
        size_t k = 0;
        for (; k + kLanes <= n; k += kLanes) {
            const typename D::reg phase = D::add(vp0, D::mul(vslope, D::sub(D::loadu(t + k), vt0)));
            typename D::reg c, s;
            unit_phasors(phase, c, s);
            const reg rot = Ops::f64_parts_to_f32(c, s);
            const reg v = F::loadu(xf + 2 * k);
            F::storeu(xf + 2 * k, F::addsub(F::mul(v, F::dup_even(rot)), F::mul(F::swap_pairs(v), F::dup_odd(rot))));
        }
        if (k < n)
            rotate_ramp_scalar(x + k, t + k, n - k, p0, slope, t0);
    }
};

template <class Isa>
const SampleKernels* sample_simd_table()
{
    static constexpr SampleKernels table{ &SampleSimd<Isa>::agc_block, &SampleSimd<Isa>::rotate,
                                          &SampleSimd<Isa>::rotate_ramp };
    return &table;
}

} // namespace
} // namespace kernels
} // namespace dualsat

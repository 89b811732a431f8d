// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/dsp/polyphase_fir.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace dualsat {

namespace {
constexpr uint64_t kMaxRateTerm = uint64_t{ 1 } << 62;
constexpr unsigned kMaxBranches = 1u << 16;
} // namespace

PolyphaseFir::PolyphaseFir(const std::vector<float>& prototype,
                           unsigned branches,
                           bool interpolate,
                           uint64_t out_step_num,
                           uint64_t in_step_den,
                           SimdLevel simd)
    : m_branches(branches),
      m_interpolate(interpolate),
      m_p(out_step_num),
      m_q(in_step_den),
      m_dot(kernels::dot_cr_for(simd)),
      m_dot_multi(kernels::dot_cr_multi_for(simd)),
      m_multi_per_input(!interpolate && in_step_den < out_step_num),
      m_simd(supported(simd))
{
    if (prototype.empty())
        throw ConfigError("polyphase FIR: empty prototype filter");
    for (float h : prototype)
        if (!std::isfinite(h))
            throw ConfigError("polyphase FIR: non-finite tap");
    if (branches < 1 || branches > kMaxBranches)
        throw ConfigError("polyphase FIR: branch count must be 1.." + std::to_string(kMaxBranches));
    if (m_p < 1 || m_q < 1 || m_p >= kMaxRateTerm || m_q >= kMaxRateTerm)
        throw ConfigError("polyphase FIR: rate terms must be in [1, 2^62)");
    if (!interpolate && m_p != branches)
        throw ConfigError("polyphase FIR: exact mode needs one branch per output phase (P == branches)");

    const size_t len = prototype.size();
    // Interpolated mode reads branch B too, which is tap index k·B + B: one more tap.
    m_k = interpolate ? std::max<size_t>(1, (len - 1 + branches - 1) / branches)
                      : (len + branches - 1) / branches;
    const size_t nbranch = interpolate ? branches + 1 : branches;
    m_bank.assign(nbranch * 2 * m_k, 0.0f);
    for (size_t b = 0; b < nbranch; ++b) {
        float* dst = &m_bank[b * 2 * m_k];
        for (size_t k = 0; k < m_k; ++k) {
            const size_t idx = k * branches + b;
            const float h = idx < len ? prototype[idx] : 0.0f;
            // Reversed so that the dot product runs forward over x[n0-K+1 .. n0].
            const size_t j = m_k - 1 - k;
            dst[2 * j] = dst[2 * j + 1] = h;
        }
    }
    m_branch_scale = static_cast<double>(branches) / static_cast<double>(m_p);
    m_q_int = m_q / m_p;
    m_q_rem = m_q % m_p;
    m_buf.assign(m_k - 1 + kBlock, std::complex<float>(0.0f, 0.0f));
}

void PolyphaseFir::reset()
{
    std::fill(m_buf.begin(), m_buf.end(), std::complex<float>(0.0f, 0.0f));
    m_base = m_next_n0 = m_acc = m_produced = 0;
}

size_t PolyphaseFir::max_output(size_t n_in) const
{
    // Outputs whose n0 lies in [base, base + n_in): times m·Q/P < base + n_in.
    const long double span = static_cast<long double>(m_base + n_in) - static_cast<long double>(m_next_n0) -
                             static_cast<long double>(m_acc) / m_p;
    if (span <= 0)
        return 0;
    return static_cast<size_t>(std::ceil(span * m_p / m_q)) + 1;
}

inline std::complex<float> PolyphaseFir::compute(const std::complex<float>* window) const
{
    if (!m_interpolate)
        return m_dot(window, &m_bank[m_acc * 2 * m_k], m_k);
    const double u = static_cast<double>(m_acc) * m_branch_scale;
    size_t b = static_cast<size_t>(u);
    if (b >= m_branches) // rounding guard; acc < P keeps u < B mathematically
        b = m_branches - 1;
    const float frac = static_cast<float>(u - static_cast<double>(b));
    std::complex<float> y[2]; // branches b and b+1 over the same window, one pass
    m_dot_multi(window, &m_bank[b * 2 * m_k], m_k, 2 * m_k, 2, y);
    return y[0] + frac * (y[1] - y[0]);
}

inline void PolyphaseFir::advance()
{
    // t += Q/P with Q = q_int·P + q_rem precomputed: no division per output (a 64-bit
    // divide costs more than a short dot product).
    m_next_n0 += m_q_int;
    m_acc += m_q_rem; // both < P < 2^62: no overflow
    if (m_acc >= m_p) {
        m_acc -= m_p;
        ++m_next_n0;
    }
    ++m_produced;
}

StreamResult PolyphaseFir::process(const std::complex<float>* in,
                                   size_t n_in,
                                   std::complex<float>* out,
                                   size_t out_capacity)
{
    // Invariant between calls: m_buf[0 .. K-2] holds inputs base-K+1 .. base-1, and the
    // next output needs input m_next_n0 >= base.
    StreamResult r;
    const size_t hist = m_k - 1;
    while (r.consumed < n_in) {
        const size_t nb = std::min(kBlock, n_in - r.consumed);
        std::memcpy(&m_buf[hist], in + r.consumed, nb * sizeof(std::complex<float>));
        const uint64_t end = m_base + nb;
        while (m_next_n0 < end && r.produced < out_capacity) {
            const std::complex<float>* window = &m_buf[m_next_n0 - m_base];
            if (m_multi_per_input) {
                // Exact bank, Q < P: the outputs at acc, acc+Q, acc+2Q, ... (< P) all use this
                // window, with branches a constant Q apart: one pass over the window.
                const size_t room = out_capacity - r.produced;
                size_t count = 0;
                uint64_t a = m_acc;
                while (a < m_p && count < room) {
                    a += m_q;
                    ++count;
                }
                m_dot_multi(window, &m_bank[m_acc * 2 * m_k], m_k, 2 * m_k * m_q, count,
                            out + r.produced);
                r.produced += count;
                m_produced += count;
                if (a >= m_p) { // a < 2P since Q < P
                    m_acc = a - m_p;
                    ++m_next_n0;
                } else {
                    m_acc = a;
                }
                continue;
            }
            out[r.produced++] = compute(window);
            advance();
        }
        // Inputs before the next output's n0 are finished with; the rest (only when the
        // output space ran out) stay with the caller.
        const size_t used = m_next_n0 < end ? static_cast<size_t>(m_next_n0 - m_base) : nb;
        if (hist > 0)
            std::memmove(m_buf.data(), &m_buf[used], hist * sizeof(std::complex<float>));
        m_base += used;
        r.consumed += used;
        if (used < nb)
            break;
    }
    return r;
}

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
// In-place radix-2 complex FFT of a fixed power-of-two size (decimation in time, twiddles
// and bit-reversal permutation precomputed). Used off the per-symbol hot path (the blind
// carrier search runs one transform per frame at most), so it favours clarity over speed.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace dualsat {

class Fft
{
public:
    // size: a power of two >= 2 (ConfigError otherwise).
    explicit Fft(size_t size);
    size_t size() const { return m_size; }
    // X[k] = sum_n x[n] e^{-j 2 pi k n / N}, in place on `size()` values.
    void forward(std::complex<double>* data) const;

    static size_t next_power_of_two(size_t n);

private:
    size_t m_size;
    std::vector<std::complex<double>> m_twiddle; // e^{-j 2 pi k / N}, k < N/2
    std::vector<size_t> m_reverse;               // bit-reversed index
};

} // namespace dualsat

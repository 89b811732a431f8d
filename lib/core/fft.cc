// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/fft.h>

#include <cmath>
#include <utility>

namespace dualsat {

size_t Fft::next_power_of_two(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

Fft::Fft(size_t size) : m_size(size)
{
    if (size < 2 || (size & (size - 1)) != 0)
        throw ConfigError("FFT size must be a power of two >= 2");
    m_twiddle.resize(size / 2);
    for (size_t k = 0; k < size / 2; ++k)
        m_twiddle[k] = std::polar(1.0, -kTwoPi * static_cast<double>(k) / static_cast<double>(size));
    int bits = 0;
    while ((size_t{ 1 } << bits) < size)
        ++bits;
    m_reverse.resize(size);
    for (size_t i = 0; i < size; ++i) {
        size_t r = 0;
        for (int b = 0; b < bits; ++b)
            r |= ((i >> b) & 1u) << (bits - 1 - b);
        m_reverse[i] = r;
    }
}

void Fft::forward(std::complex<double>* data) const
{
    for (size_t i = 0; i < m_size; ++i)
        if (i < m_reverse[i])
            std::swap(data[i], data[m_reverse[i]]);
    for (size_t half = 1; half < m_size; half <<= 1) {
        const size_t stride = m_size / (2 * half); // twiddle step for this stage
        for (size_t start = 0; start < m_size; start += 2 * half)
            for (size_t k = 0; k < half; ++k) {
                const std::complex<double> t = m_twiddle[k * stride] * data[start + k + half];
                data[start + k + half] = data[start + k] - t;
                data[start + k] += t;
            }
    }
}

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed direct-sequence spreading, transmit side: every PL symbol (unit energy, from the
// Transmitter) is multiplied by the SF chips of its KeyedChipSequence block, and the chips
// are RRC pulse shaped at the chip rate (EN 302 307-1 §5.6 shaping, now per chip; the
// TxPulseShaper of lib/dsp, TxUnitPower taps: unit power per output sample).
//
//   output sample m of chip g = (symbol s, chip c), g = (s - first_symbol_index) SF + c,
//   peaks at m = g * samples_per_chip + delay_chips() * samples_per_chip.
//
// The symbol index of the first symbol is the caller's time base (e.g. 0 at sample 0 of a
// file or loopback, or the transmitter's absolute symbol counter); each symbol then takes
// the next index. A chip carries Ec = Es / SF: the chip Es/N0 in the channel is the symbol
// Es/N0 minus the processing gain 10 log10(SF) dB.
#pragma once

#include <dualsat/antijam/chip_sequence.h>
#include <dualsat/dsp/pulse_shaper.h>

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

// The chip-rate pulse shaping both ends must agree on.
struct DsssShaping {
    double rolloff = 0.35;    // RRC roll-off, (0, 1]
    int span_chips = 16;      // RRC length in chips (even)
    int samples_per_chip = 2; // even, >= 2 (the receiver's matched filter decimates to 2)
};
void check_dsss_shaping(const DsssShaping& shaping); // ConfigError when out of range

class DsssSpreader
{
public:
    // ConfigError: null sequence, SF outside [4, 1024], bad shaping.
    DsssSpreader(std::shared_ptr<const KeyedChipSequence> sequence, int sf,
                 const DsssShaping& shaping = {}, uint64_t first_symbol_index = 0);

    // Appends n · SF · samples_per_chip samples to out.
    void process(const std::complex<float>* symbols, size_t n,
                 std::vector<std::complex<float>>& out);

    int sf() const { return m_sf; }
    const DsssShaping& shaping() const { return m_shaping; }
    uint64_t next_symbol_index() const { return m_next_index; }
    // Chips from a chip's start to the peak of its pulse (the shaper's group delay).
    double delay_chips() const { return m_shaper.delay_symbols(); }

private:
    std::shared_ptr<const KeyedChipSequence> m_sequence;
    int m_sf;
    DsssShaping m_shaping;
    uint64_t m_next_index;
    TxPulseShaper m_shaper;
    std::vector<std::complex<float>> m_chips;
};

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 constellations and bit labelling (ETSI EN 302 307-1 §5.4, Figures 9-12, Tables 9-10).
#pragma once

#include <dualsat/modcod/modcod.h>

#include <array>
#include <complex>
#include <cstdint>
#include <vector>

namespace dualsat {

// How the APSK rings are scaled (QPSK and 8PSK always have radius 1, which is both).
//
// UnitAverageEnergy (default): the rings keep the ratios of Tables 9/10 and the whole
//   constellation is scaled to average symbol energy 1 (E|s|^2 = 1 over equiprobable
//   labels). This is what GNU Radio 3.10's gr-dtv dvbs2_modulator_bc transmits: it sets the
//   outer ring to 1, the inner rings to 1/gamma, then divides every radius (in double) by
//   sqrt of the mean energy; we compute in the same order, so the float points are
//   identical to gr-dtv's (checked by python/dualsat/qa_modulator_bc.py for all 28 MODCODs).
//   With it, data symbols have the same average power as the PLHEADER and pilots (radius 1).
// UnitOuterRing: outer ring radius 1, inner rings R_i/R_outer. Peak amplitude 1, for
//   transmitters that must not exceed a fixed peak (e.g. driving a DAC to full scale).
enum class ApskScaling : uint8_t { UnitAverageEnergy, UnitOuterRing };

// gamma = R2/R1 of 16APSK for a code rate (EN 302 307-1 Table 9). Throws ConfigError for
// a rate 16APSK does not use.
double apsk16_gamma(CodeRate rate);

// gamma1 = R2/R1 and gamma2 = R3/R1 of 32APSK (EN 302 307-1 Table 10). Throws ConfigError
// for a rate 32APSK does not use.
struct Apsk32Gammas {
    double gamma1;
    double gamma2;
};
Apsk32Gammas apsk32_gammas(CodeRate rate);

// The point set of one MODCOD, indexed by bit label. A label's first bit (the first of the
// bits_per_symbol() consecutive interleaved bits that select it) is its MSB, as in the
// standard's figures ("00000" ... "11111" read left to right = first to last bit).
// The frame size does not change any DVB-S2 constellation (Tables 9/10 hold for both).
class Constellation
{
public:
    static constexpr int kMaxPoints = 32;
    static constexpr int kMaxRings = 3;

    // Throws ConfigError for a MODCOD that Table 12 does not define.
    explicit Constellation(ModCod modcod, ApskScaling scaling = ApskScaling::UnitAverageEnergy);

    const ModCod& modcod() const { return modcod_; }
    Modulation modulation() const { return modcod_.mod; }
    ApskScaling scaling() const { return scaling_; }
    int bits_per_symbol() const { return bits_; }
    int size() const { return 1 << bits_; }

    // Point of a label (label < size(); not checked here, the mapper checks its input).
    std::complex<float> point(unsigned label) const { return points_[label]; }
    // size() points, indexed by label.
    const std::complex<float>* points() const { return points_.data(); }

    // Ring radii, innermost first (one ring for QPSK/8PSK, 2 for 16APSK, 3 for 32APSK),
    // and the ring each label sits on.
    int rings() const { return rings_; }
    double ring_radius(int ring) const { return radii_[static_cast<size_t>(ring)]; }
    int ring_of(unsigned label) const { return ring_of_[label]; }

    // Mean of |s|^2 over all labels, computed from the float points.
    double average_energy() const;

private:
    ModCod modcod_;
    ApskScaling scaling_;
    int bits_;
    int rings_;
    std::array<double, kMaxRings> radii_{};
    std::array<uint8_t, kMaxPoints> ring_of_{};
    std::array<std::complex<float>, kMaxPoints> points_{};
};

} // namespace dualsat

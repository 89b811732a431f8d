// SPDX-License-Identifier: GPL-3.0-or-later
//
// The Es/N0 each MODCOD needs, per frame size: the ACM controller's ladder is built on it.
// Two sources:
//   - EN 302 307-1 Table 13 (data/dvbs2_qef_esn0.csv): ideal QEF Es/N0 of normal FECFRAMEs
//     (PER 1e-7, AWGN, perfect synchronisation) plus the receiver's implementation loss;
//     Table 13 has no short-frame column, so short frames take a further loss the caller
//     states (the shorter LDPC code's waterfall sits a few tenths of a dB higher);
//   - the CSV dualsat-fer-sweep writes (apps/dualsat_fer_sweep.cc): the measured FER per
//     MODCOD, frame size and Es/N0, reduced to the Es/N0 where the FER falls to a target.
#pragma once

#include <dualsat/modcod/modcod.h>

#include <array>
#include <iosfwd>
#include <optional>
#include <string>

namespace dualsat {

class AcmThresholds
{
public:
    // Table 13's CSV (columns modulation,code_rate,esn0_db[,...]; '#' comments). Normal
    // frames get QEF + implementation_loss_db, short frames (all but 9/10, which has none)
    // QEF + implementation_loss_db + short_frame_loss_db. Throws ConfigError on a
    // malformed file or one that does not list all 28 MODCODs.
    static AcmThresholds from_qef_csv(std::istream& in,
                                      double implementation_loss_db,
                                      double short_frame_loss_db);
    static AcmThresholds from_qef_csv_file(const std::string& path,
                                           double implementation_loss_db,
                                           double short_frame_loss_db);

    // dualsat-fer-sweep's CSV (header line naming at least modulation, code_rate, frame,
    // esn0_db, frames, frame_errors). Per (MODCOD, frame size): the lowest swept Es/N0
    // from which every higher point meets target_fer, interpolated in log10(FER) with the
    // failing point below it, plus extra_loss_db (the sweep runs the FEC alone: add the
    // synchronisation loss of the full receiver here). A point with no errors meets the
    // target only if its frames prove it (3 / frames <= target_fer, the 95 % upper bound
    // of zero events); a MODCOD without such a point gets no threshold and is never
    // chosen. Throws ConfigError on a malformed file.
    static AcmThresholds from_fer_sweep_csv(std::istream& in, double target_fer, double extra_loss_db);
    static AcmThresholds from_fer_sweep_csv_file(const std::string& path,
                                                 double target_fer,
                                                 double extra_loss_db);

    // Required Es/N0 in dB, if known.
    std::optional<double> get(int modcod_number, FrameSize frame) const;
    void set(int modcod_number, FrameSize frame, double esn0_db); // throws ConfigError
    void erase(int modcod_number, FrameSize frame);
    size_t size() const; // entries set

private:
    static size_t index(int modcod_number, FrameSize frame);
    std::array<std::optional<double>, 2 * 29> m_esn0{};
};

} // namespace dualsat

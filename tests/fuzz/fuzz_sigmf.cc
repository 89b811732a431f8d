// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: the SigMF metadata reader of dualsat-modemd's file backend
// (apps/dualsat-modemd/sigmf.h, read_sigmf_meta), which reads a .sigmf-meta file beside
// a recording. Input: byte 0 picks the size of the data file (0..30 bytes, or missing),
// byte 1 the sample rate the daemon expects (0 = any); the rest is the .sigmf-meta text,
// written to a private temporary directory.
// Invariants: the reader returns or throws dualsat::ConfigError (its documented contract:
// the daemon turns that into a clear start-up error), nothing else; what it accepts has
// datatype cf32_le, a finite positive sample rate (equal to the expected one if given), a
// sample count of size / 8; and what it accepted can be written back with
// write_sigmf_meta and read again to the same values.

#include "fuzz_common.h"

#include "sigmf.h"

#include <dualsat/core/error.h>

#include <cmath>
#include <fcntl.h>
#include <unistd.h>

namespace {


void write_file(const std::string& path, const uint8_t* data, size_t size)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        std::abort();
    if (size && ::write(fd, data, size) != static_cast<ssize_t>(size))
        std::abort();
    ::close(fd);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::ScratchDir dir("sigmf", { "rec.sigmf-meta", "rec.sigmf-data", "back.sigmf-meta",
                                          "back.sigmf-data" });
    const std::string rec = dir.path + "/rec.sigmf-data";
    fuzz::Input in(data, size);
    const uint8_t data_size = in.u8();
    const uint8_t rate_sel = in.u8();
    if (data_size >= 0xF0) {
        ::unlink(rec.c_str());
    } else {
        static const uint8_t zeros[32] = {};
        write_file(rec, zeros, data_size % 31);
    }
    write_file(modemd::sigmf_meta_path(rec), in.here(), in.remaining());
    static const double rates[] = { 0.0, 2e6, 1e6, 4e6, 1.0, 2.5e6, 1e-3, 1e9 };
    const double expected = rates[rate_sel % 8];

    modemd::SigmfInfo info;
    try {
        info = modemd::read_sigmf_meta(rec, expected);
    } catch (const dualsat::ConfigError&) {
        return 0;
    } catch (const std::exception& e) {
        fuzz::fail_exception("read_sigmf_meta", e);
    }
    FUZZ_CHECK(data_size < 0xF0); // a missing data file is an error
    FUZZ_CHECK(info.datatype == "cf32_le");
    FUZZ_CHECK(std::isfinite(info.sample_rate) && info.sample_rate > 0);
    if (expected > 0)
        FUZZ_CHECK(std::abs(info.sample_rate - expected) <= 1e-6 * expected);
    FUZZ_CHECK((data_size % 31) % 8 == 0 && info.sample_count == (data_size % 31) / 8u);
    FUZZ_CHECK(std::isfinite(info.frequency) && std::isfinite(info.symbol_rate) &&
               std::isfinite(info.rolloff));

    // Round trip through the writer (the daemon rewrites metadata of its recordings).
    const std::string back = dir.path + "/back.sigmf-data";
    write_file(back, nullptr, 0);
    try {
        modemd::write_sigmf_meta(back, info);
    } catch (const std::exception& e) {
        fuzz::fail_exception("write_sigmf_meta of what read_sigmf_meta accepted", e);
    }
    modemd::SigmfInfo again;
    try {
        again = modemd::read_sigmf_meta(back, info.sample_rate);
    } catch (const std::exception& e) {
        fuzz::fail_exception("read_sigmf_meta of what write_sigmf_meta wrote", e);
    }
    FUZZ_CHECK(again.sample_rate == info.sample_rate);
    FUZZ_CHECK(again.frequency == (info.frequency > 0 ? info.frequency : 0.0));
    FUZZ_CHECK(again.description == info.description && again.hw == info.hw);
    FUZZ_CHECK(again.modcod == info.modcod && again.frame == info.frame);
    FUZZ_CHECK(again.pilots == info.pilots && again.symbol_rate == info.symbol_rate &&
               again.rolloff == info.rolloff);
    return 0;
}

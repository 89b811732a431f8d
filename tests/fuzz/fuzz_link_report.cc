// SPDX-License-Identifier: GPL-3.0-or-later
//
// libFuzzer target for the link-quality report parser (lib/acm/link_report.h): parse()
// must never crash, throw or read outside the input, and every report it accepts must be
// canonical, i.e. encode() gives back exactly the input bytes.
//
// Random bytes almost never carry a good CRC-32C, which would leave the field checks
// behind it unexplored; so an input of a report's size is also parsed a second time with
// its CRC recomputed.
#include <dualsat/acm/link_report.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

void check(const uint8_t* data, size_t size)
{
    dualsat::LinkReport report;
    if (dualsat::LinkReport::parse(data, size, report) != dualsat::LinkReportStatus::Ok)
        return;
    if (size != dualsat::kLinkReportSize)
        std::abort();
    uint8_t again[dualsat::kLinkReportSize];
    if (report.encode(again, sizeof(again)) != size || std::memcmp(again, data, size) != 0)
        std::abort();
    dualsat::LinkReport twice;
    if (dualsat::LinkReport::parse(again, sizeof(again), twice) != dualsat::LinkReportStatus::Ok ||
        !twice.same_on_wire(report))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    check(data, size);
    if (size == dualsat::kLinkReportSize) {
        uint8_t sealed[dualsat::kLinkReportSize];
        std::memcpy(sealed, data, size);
        const size_t body = dualsat::kLinkReportSize - 4;
        const uint32_t crc = dualsat::crc32c(sealed, body);
        for (int i = 0; i < 4; ++i)
            sealed[body + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
        check(sealed, sizeof(sealed));
    }
    return 0;
}

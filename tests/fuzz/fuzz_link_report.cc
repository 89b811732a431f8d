// SPDX-License-Identifier: GPL-3.0-or-later
//
// libFuzzer target for the link-quality report parser (lib/acm/link_report.h): parse()
// must never crash, throw or read outside the input, and every report it accepts must be
// canonical, i.e. encode() gives back exactly the input bytes.
#include <dualsat/acm/link_report.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    dualsat::LinkReport report;
    const auto status = dualsat::LinkReport::parse(data, size, report);
    if (status != dualsat::LinkReportStatus::Ok)
        return 0;
    if (size != dualsat::kLinkReportSize)
        std::abort();
    uint8_t again[dualsat::kLinkReportSize];
    if (report.encode(again, sizeof(again)) != size || std::memcmp(again, data, size) != 0)
        std::abort();
    // And the parse of the re-encoding is the same report.
    dualsat::LinkReport twice;
    if (dualsat::LinkReport::parse(again, sizeof(again), twice) != dualsat::LinkReportStatus::Ok ||
        !twice.same_on_wire(report))
        std::abort();
    return 0;
}

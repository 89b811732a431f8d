// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/acm/link_report.h>
#include <dualsat/core/error.h>

#include <array>
#include <cmath>
#include <string>

namespace dualsat {
namespace {

// Byte offsets of the version 1 wire format (see the table in link_report.h).
constexpr size_t kOffMagic = 0;
constexpr size_t kOffVersion = 1;
constexpr size_t kOffLength = 2;
constexpr size_t kOffFlags = 3;
constexpr size_t kOffLinkId = 4;
constexpr size_t kOffSequence = 6;
constexpr size_t kOffTimestamp = 10;
constexpr size_t kOffEsn0 = 18;
constexpr size_t kOffEsn0Var = 20;
constexpr size_t kOffFramesOk = 22;
constexpr size_t kOffFramesFailed = 26;
constexpr size_t kOffLastFormat = 30;
constexpr size_t kOffCrc = 31;
static_assert(kOffCrc + 4 == kLinkReportSize, "the CRC closes the report");

constexpr uint8_t kFlagLocked = 0x01;
constexpr uint8_t kFlagEsn0Valid = 0x02;
constexpr uint8_t kFlagsReserved = 0xFC;
constexpr uint8_t kFormatModcodMask = 0x1F;
constexpr uint8_t kFormatShort = 0x20;
constexpr uint8_t kFormatPilots = 0x40;
constexpr uint8_t kFormatReserved = 0x80;

constexpr double kEsn0UnitsPerDb = 100.0;    // 0.01 dB
constexpr double kVarUnitsPerDb2 = 1000.0;   // 0.001 dB^2

std::array<uint32_t, 256> make_crc32c_table()
{
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[i] = c;
    }
    return t;
}

void put16(uint8_t* p, uint16_t v)
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v)
{
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}
void put64(uint8_t* p, uint64_t v)
{
    put32(p, static_cast<uint32_t>(v >> 32));
    put32(p + 4, static_cast<uint32_t>(v));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t get32(const uint8_t* p)
{
    return (static_cast<uint32_t>(get16(p)) << 16) | get16(p + 2);
}
uint64_t get64(const uint8_t* p) { return (static_cast<uint64_t>(get32(p)) << 32) | get32(p + 4); }

// Rounds to the nearest wire unit and clamps to [lo, hi] (NaN is handled by the caller).
long quantise(double value, double units, long lo, long hi)
{
    const double scaled = std::round(value * units);
    if (!(scaled > static_cast<double>(lo)))
        return lo;
    if (scaled >= static_cast<double>(hi))
        return hi;
    return static_cast<long>(scaled);
}

// Table 12 MODCODs with code rate 9/10: 11, 17, 23, 28. There is no short 9/10 FECFRAME
// (EN 302 307-1 Table 5b).
bool exists_short(int modcod_number)
{
    return modcod_number != 11 && modcod_number != 17 && modcod_number != 23 &&
           modcod_number != 28;
}

} // namespace

uint32_t crc32c(const uint8_t* data, size_t len)
{
    static const std::array<uint32_t, 256> table = make_crc32c_table();
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; ++i)
        c = table[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

const char* to_string(LinkReportStatus status)
{
    switch (status) {
    case LinkReportStatus::Ok:
        return "ok";
    case LinkReportStatus::TooShort:
        return "too short";
    case LinkReportStatus::BadMagic:
        return "bad magic";
    case LinkReportStatus::BadVersion:
        return "unknown version";
    case LinkReportStatus::BadLength:
        return "bad length";
    case LinkReportStatus::BadCrc:
        return "bad CRC";
    case LinkReportStatus::FieldOutOfRange:
        return "field out of range";
    }
    return "?";
}

std::optional<FrameFormat> LinkReport::last_format() const
{
    if (last_modcod < 1 || last_modcod > 28)
        return std::nullopt;
    return FrameFormat{ modcod_from_number(last_modcod), last_frame, last_pilots };
}

void LinkReport::set_last_format(const FrameFormat& f)
{
    last_modcod = static_cast<uint8_t>(modcod_number(f.modcod));
    last_frame = f.frame;
    last_pilots = f.pilots;
}

size_t LinkReport::encode(uint8_t* out, size_t capacity) const
{
    if (last_modcod > 28)
        throw ConfigError("link report: MODCOD number " + std::to_string(last_modcod) +
                          " is not in 0..28");
    const bool has_format = last_modcod != 0;
    if (has_format && last_frame == FrameSize::Short && !exists_short(last_modcod))
        throw ConfigError("link report: MODCOD " + std::to_string(last_modcod) +
                          " has no short FECFRAME");
    if (out == nullptr || capacity < kLinkReportSize)
        return 0;

    const bool valid = esn0_valid && std::isfinite(esn0_db);
    long esn0 = 0, var = 0;
    if (valid) {
        esn0 = quantise(esn0_db, kEsn0UnitsPerDb, -32768, 32767);
        var = std::isnan(esn0_var_db2) ? 65535 : quantise(esn0_var_db2, kVarUnitsPerDb2, 0, 65535);
    }
    out[kOffMagic] = kLinkReportMagic;
    out[kOffVersion] = kLinkReportVersion;
    out[kOffLength] = static_cast<uint8_t>(kLinkReportSize);
    out[kOffFlags] = static_cast<uint8_t>((locked ? kFlagLocked : 0) | (valid ? kFlagEsn0Valid : 0));
    put16(out + kOffLinkId, link_id);
    put32(out + kOffSequence, sequence);
    put64(out + kOffTimestamp, timestamp_ns);
    put16(out + kOffEsn0, static_cast<uint16_t>(static_cast<int16_t>(esn0)));
    put16(out + kOffEsn0Var, static_cast<uint16_t>(var));
    put32(out + kOffFramesOk, frames_ok);
    put32(out + kOffFramesFailed, frames_failed);
    uint8_t fmt = last_modcod;
    if (has_format) {
        if (last_frame == FrameSize::Short)
            fmt |= kFormatShort;
        if (last_pilots)
            fmt |= kFormatPilots;
    }
    out[kOffLastFormat] = fmt;
    put32(out + kOffCrc, crc32c(out, kOffCrc));
    return kLinkReportSize;
}

std::vector<uint8_t> LinkReport::encode() const
{
    std::vector<uint8_t> out(kLinkReportSize);
    encode(out.data(), out.size());
    return out;
}

LinkReportStatus LinkReport::parse(const uint8_t* data, size_t size, LinkReport& out) noexcept
{
    // Header first, each byte read only once it is known to be inside the buffer.
    if (data == nullptr || size <= kOffMagic)
        return LinkReportStatus::TooShort;
    if (data[kOffMagic] != kLinkReportMagic)
        return LinkReportStatus::BadMagic;
    if (size <= kOffVersion)
        return LinkReportStatus::TooShort;
    if (data[kOffVersion] != kLinkReportVersion)
        return LinkReportStatus::BadVersion;
    if (size <= kOffLength)
        return LinkReportStatus::TooShort;
    if (data[kOffLength] != kLinkReportSize)
        return LinkReportStatus::BadLength;
    if (size < kLinkReportSize)
        return LinkReportStatus::TooShort;
    if (size > kLinkReportSize)
        return LinkReportStatus::BadLength;
    if (crc32c(data, kOffCrc) != get32(data + kOffCrc))
        return LinkReportStatus::BadCrc;

    const uint8_t flags = data[kOffFlags];
    const uint8_t fmt = data[kOffLastFormat];
    const bool valid = (flags & kFlagEsn0Valid) != 0;
    const int modcod = fmt & kFormatModcodMask;
    const uint16_t esn0_raw = get16(data + kOffEsn0);
    const uint16_t var_raw = get16(data + kOffEsn0Var);
    if ((flags & kFlagsReserved) != 0 || (fmt & kFormatReserved) != 0)
        return LinkReportStatus::FieldOutOfRange;
    if (modcod > 28)
        return LinkReportStatus::FieldOutOfRange;
    if (modcod == 0 && (fmt & (kFormatShort | kFormatPilots)) != 0)
        return LinkReportStatus::FieldOutOfRange;
    if ((fmt & kFormatShort) != 0 && !exists_short(modcod))
        return LinkReportStatus::FieldOutOfRange;
    if (!valid && (esn0_raw != 0 || var_raw != 0))
        return LinkReportStatus::FieldOutOfRange;

    LinkReport r;
    r.locked = (flags & kFlagLocked) != 0;
    r.esn0_valid = valid;
    r.link_id = get16(data + kOffLinkId);
    r.sequence = get32(data + kOffSequence);
    r.timestamp_ns = get64(data + kOffTimestamp);
    r.esn0_db = static_cast<int16_t>(esn0_raw) / kEsn0UnitsPerDb;
    r.esn0_var_db2 = var_raw / kVarUnitsPerDb2;
    r.frames_ok = get32(data + kOffFramesOk);
    r.frames_failed = get32(data + kOffFramesFailed);
    r.last_modcod = static_cast<uint8_t>(modcod);
    r.last_frame = (fmt & kFormatShort) != 0 ? FrameSize::Short : FrameSize::Normal;
    r.last_pilots = (fmt & kFormatPilots) != 0;
    out = r;
    return LinkReportStatus::Ok;
}

bool LinkReport::same_on_wire(const LinkReport& other) const
{
    return encode() == other.encode();
}

} // namespace dualsat

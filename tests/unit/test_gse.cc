// SPDX-License-Identifier: GPL-3.0-or-later
// GSE (ETSI TS 102 606-1): CRC-32 against the bit-serial definition, header bit layout
// against the spec, round trips of 20..9000-byte PDUs over changing data-field lengths,
// losses, timeouts and garbage.
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/framing/gse.h>
#include <dualsat/modcod/modcod.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace dualsat;

namespace {

using Bytes = std::vector<uint8_t>;

// MPEG-2 CRC-32 one bit at a time: g = 0x04C11DB7, register preset to ones, MSB first,
// no final inversion.
uint32_t crc32_serial(const uint8_t* d, size_t n)
{
    uint32_t reg = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i)
        for (int b = 7; b >= 0; --b) {
            uint32_t fb = ((reg >> 31) & 1u) ^ ((d[i] >> b) & 1u);
            reg <<= 1;
            if (fb)
                reg ^= 0x04C11DB7u;
        }
    return reg;
}

struct Sent {
    Bytes data;
    uint16_t ptype;
    GseLabel label;
};

Sent random_pdu(std::mt19937& rng, size_t len)
{
    Sent s;
    s.data.resize(len);
    for (auto& b : s.data)
        b = static_cast<uint8_t>(rng());
    static const uint16_t types[] = { 0x0800, 0x86DD, 0x88B5, 0x0806, 0xFFFF, 0x0600 };
    s.ptype = types[rng() % 6];
    switch (rng() % 4) {
    case 0:
        s.label = GseLabel::broadcast();
        break;
    case 1:
        s.label = GseLabel::three_byte({ 1, 2, static_cast<uint8_t>(rng() % 2) });
        break;
    default: // mostly one MAC, so label re-use happens
        s.label = GseLabel::six_byte({ 0x02, 0, 0x48, 0x55, 0x4C, static_cast<uint8_t>(rng() % 2) });
        break;
    }
    return s;
}

std::vector<int> all_kbch()
{
    std::vector<int> k;
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (int r = 0; r < kNumCodeRates; ++r)
            if (code_exists(fs, static_cast<CodeRate>(r)))
                k.push_back(code_params(fs, static_cast<CodeRate>(r)).kbch);
    return k;
}

// Independent parse of one GSE packet header straight from the bit layout of §4.2.
struct ParsedHeader {
    bool s, e;
    int lt;
    size_t gse_length;
    int frag_id = -1;
    int total_length = -1;
    int ptype = -1;
    Bytes label;
    size_t header_len;
};

ParsedHeader parse_header(const uint8_t* p)
{
    ParsedHeader h;
    h.s = (p[0] >> 7) & 1;
    h.e = (p[0] >> 6) & 1;
    h.lt = (p[0] >> 4) & 3;
    h.gse_length = ((p[0] & 0x0Fu) << 8) | p[1];
    size_t i = 2;
    if (!(h.s && h.e))
        h.frag_id = p[i++];
    if (h.s && !h.e) {
        h.total_length = (p[i] << 8) | p[i + 1];
        i += 2;
    }
    if (h.s) {
        h.ptype = (p[i] << 8) | p[i + 1];
        i += 2;
        size_t ll = h.lt == 0 ? 6 : h.lt == 1 ? 3 : 0;
        h.label.assign(p + i, p + i + ll);
        i += ll;
    }
    h.header_len = i;
    return h;
}

} // namespace

TEST_CASE("GSE CRC-32 is the MPEG-2 CRC", "[gse][crc]")
{
    const std::string check = "123456789";
    // Catalogue check value of CRC-32/MPEG-2.
    CHECK(gse_crc32(reinterpret_cast<const uint8_t*>(check.data()), check.size()) == 0x0376E6E7u);
    std::mt19937 rng(1);
    for (size_t len : { 0, 1, 3, 4, 100, 9000 }) {
        Bytes d(len);
        for (auto& b : d)
            b = static_cast<uint8_t>(rng());
        CHECK(gse_crc32(d.data(), d.size()) == crc32_serial(d.data(), d.size()));
        // Chaining over a split equals one pass.
        size_t cut = len / 3;
        CHECK(gse_crc32(d.data() + cut, len - cut, gse_crc32(d.data(), cut)) ==
              crc32_serial(d.data(), d.size()));
    }
}

TEST_CASE("GSE BBHEADER for a generic continuous stream", "[gse]")
{
    auto b = encode_bbheader(gse_bbheader(752, true, RollOff::R020));
    CHECK(b[0] == 0x72); // TS/GS=01 SIS=1 CCM=1 ISSYI=0 NPD=0 RO=10
    CHECK(b[1] == 0x00);
    CHECK(b[2] == 0x00); // UPL = 0
    CHECK(b[3] == 0x00);
    CHECK(b[4] == 0x02); // DFL = 752
    CHECK(b[5] == 0xF0);
    CHECK(b[6] == 0x00); // SYNC = 0
    CHECK(b[7] == 0x00); // SYNCD = 0
    CHECK(b[8] == 0x00);
    CHECK(encode_bbheader(gse_bbheader(0, false, RollOff::R035))[0] == 0x60);
    CHECK_THROWS_AS(gse_bbheader(58113, true, RollOff::R035), ConfigError);
}

TEST_CASE("GSE header bit layout", "[gse][layout]")
{
    const std::array<uint8_t, 6> mac = { 0x02, 0x00, 0x48, 0x55, 0x4C, 0x4B };
    Bytes pdu(84);
    for (size_t i = 0; i < pdu.size(); ++i)
        pdu[i] = static_cast<uint8_t>(i + 1);

    SECTION("complete PDU, 6-byte label, then label re-use, 3-byte, broadcast, padding")
    {
        GseEncapsulator enc;
        enc.push(pdu.data(), pdu.size(), 0x0800, GseLabel::six_byte(mac));
        enc.push(pdu.data(), 20, 0x86DD, GseLabel::six_byte(mac));
        enc.push(pdu.data(), 20, 0x0800, GseLabel::three_byte({ 0xAB, 0xCD, 0xEF }));
        enc.push(pdu.data(), 20, 0x88B5, GseLabel::broadcast());
        Bytes field(400, 0xEE);
        size_t used = enc.fill(field.size() * 8, field.data());
        // 2+2+6+84, 2+2+0+20, 2+2+3+20, 2+2+0+20
        REQUIRE(used == 94 + 24 + 27 + 24);
        uint8_t* p = field.data();
        CHECK(p[0] == 0xC0); // S=1 E=1 LT=00, length 92 = 0x05C
        CHECK(p[1] == 0x5C);
        CHECK(p[2] == 0x08);
        CHECK(p[3] == 0x00);
        CHECK(Bytes(p + 4, p + 10) == Bytes(mac.begin(), mac.end()));
        CHECK(Bytes(p + 10, p + 94) == pdu);
        p += 94;
        CHECK(p[0] == 0xF0); // S=1 E=1 LT=11 (re-use), length 22
        CHECK(p[1] == 22);
        CHECK(p[2] == 0x86);
        CHECK(p[3] == 0xDD);
        CHECK(Bytes(p + 4, p + 24) == Bytes(pdu.begin(), pdu.begin() + 20));
        p += 24;
        CHECK(p[0] == 0xD0); // LT=01, length 25
        CHECK(p[1] == 25);
        CHECK(Bytes(p + 4, p + 7) == Bytes{ 0xAB, 0xCD, 0xEF });
        p += 27;
        CHECK(p[0] == 0xE0); // LT=10, length 22
        CHECK(p[1] == 22);
        CHECK(p[2] == 0x88);
        CHECK(p[3] == 0xB5);
        p += 24;
        CHECK(std::all_of(p, field.data() + field.size(), [](uint8_t b) { return b == 0; }));
        CHECK(enc.stats().padding_bytes == 400 - used);
    }

    SECTION("fragmented PDU: first, intermediate and last fragments")
    {
        GseEncapsulator enc;
        enc.push(pdu.data(), pdu.size(), 0x0800, GseLabel::six_byte(mac));
        Bytes f1(50), f2(20), f3(100);
        REQUIRE(enc.fill(f1.size() * 8, f1.data()) == 50);
        REQUIRE(enc.fill(f2.size() * 8, f2.data()) == 20);
        size_t used3 = enc.fill(f3.size() * 8, f3.data());

        ParsedHeader h1 = parse_header(f1.data());
        CHECK(h1.s);
        CHECK_FALSE(h1.e);
        CHECK(h1.lt == 0);
        CHECK(h1.gse_length == 48);
        CHECK(h1.total_length == 2 + 6 + 84);
        CHECK(h1.ptype == 0x0800);
        CHECK(h1.label == Bytes(mac.begin(), mac.end()));
        CHECK(h1.header_len == 13);
        const size_t d1 = 50 - 13;
        CHECK(Bytes(f1.begin() + 13, f1.end()) == Bytes(pdu.begin(), pdu.begin() + d1));

        ParsedHeader h2 = parse_header(f2.data());
        CHECK_FALSE(h2.s);
        CHECK_FALSE(h2.e);
        CHECK(h2.lt == 3); // subsequent fragments carry LT=11
        CHECK(h2.frag_id == h1.frag_id);
        CHECK(h2.gse_length == 18);
        CHECK(h2.header_len == 3);
        const size_t d2 = 17;
        CHECK(Bytes(f2.begin() + 3, f2.end()) ==
              Bytes(pdu.begin() + d1, pdu.begin() + d1 + d2));

        ParsedHeader h3 = parse_header(f3.data());
        CHECK_FALSE(h3.s);
        CHECK(h3.e);
        CHECK(h3.lt == 3);
        CHECK(h3.frag_id == h1.frag_id);
        const size_t d3 = 84 - d1 - d2;
        CHECK(h3.gse_length == 1 + d3 + 4);
        CHECK(used3 == 3 + d3 + 4);
        CHECK(Bytes(f3.begin() + 3, f3.begin() + 3 + static_cast<long>(d3)) ==
              Bytes(pdu.begin() + d1 + d2, pdu.end()));
        // CRC-32 over Total_Length, Protocol_Type, Label, PDU.
        Bytes covered = { 0x00, 92, 0x08, 0x00 };
        covered.insert(covered.end(), mac.begin(), mac.end());
        covered.insert(covered.end(), pdu.begin(), pdu.end());
        uint32_t crc = crc32_serial(covered.data(), covered.size());
        const uint8_t* c = f3.data() + 3 + d3;
        CHECK(((uint32_t(c[0]) << 24) | (uint32_t(c[1]) << 16) | (uint32_t(c[2]) << 8) | c[3]) ==
              crc);
        CHECK(enc.stats().pdus_fragmented == 1);

        // The next fragmented PDU takes the next Frag ID.
        enc.push(pdu.data(), pdu.size(), 0x0800, GseLabel::broadcast());
        enc.fill(f1.size() * 8, f1.data());
        CHECK(parse_header(f1.data()).frag_id == (h1.frag_id + 1) % 256);

        // And the reassembler makes the PDU whole again.
        GseReassembler r;
        GsePduBatch out;
        r.process(f1.data(), 0, out); // empty field: harmless
        GseEncapsulator enc2;
        enc2.push(pdu.data(), pdu.size(), 0x0800, GseLabel::six_byte(mac));
        for (Bytes* f : { &f1, &f2, &f3 }) {
            enc2.fill(f->size() * 8, f->data());
            r.process(f->data(), f->size() * 8, out);
        }
        REQUIRE(out.size() == 1);
        CHECK(out[0].fragmented);
        CHECK(out[0].protocol_type == 0x0800);
        CHECK(out[0].label == GseLabel::six_byte(mac));
        CHECK(Bytes(out[0].data, out[0].data + out[0].size) == pdu);
    }

    SECTION("a hand-built stream per the spec is reassembled")
    {
        // First fragment with a 3-byte label, an intermediate, a last one with the CRC,
        // interleaved with a complete PDU reusing the label, all built by hand.
        Bytes body(30);
        for (size_t i = 0; i < body.size(); ++i)
            body[i] = static_cast<uint8_t>(0xA0 + i);
        const uint8_t fid = 0x5A;
        Bytes covered = { 0x00, 2 + 3 + 30, 0x86, 0xDD, 7, 8, 9 };
        covered.insert(covered.end(), body.begin(), body.end());
        uint32_t crc = crc32_serial(covered.data(), covered.size());
        Bytes df;
        // first: S=1 E=0 LT=01, gse_length = 1+2+2+3+10
        df.insert(df.end(), { 0x90, 18, fid, 0x00, 35, 0x86, 0xDD, 7, 8, 9 });
        df.insert(df.end(), body.begin(), body.begin() + 10);
        // complete PDU with LT=11 (re-use of 07 08 09)
        df.insert(df.end(), { 0xF0, 5, 0x08, 0x00, 0x11, 0x22, 0x33 });
        // intermediate: S=0 E=0 LT=11
        df.insert(df.end(), { 0x30, 11, fid });
        df.insert(df.end(), body.begin() + 10, body.begin() + 20);
        df.resize(df.size() + 7, 0); // padding
        Bytes df2 = { 0x70, 15, fid };
        df2.insert(df2.end(), body.begin() + 20, body.end());
        for (int s = 24; s >= 0; s -= 8)
            df2.push_back(static_cast<uint8_t>(crc >> s));

        GseReassembler r;
        GsePduBatch out;
        CHECK(r.process(df.data(), df.size() * 8, out) == 1);
        CHECK(r.open_reassemblies() == 1);
        CHECK(r.process(df2.data(), df2.size() * 8, out) == 1);
        REQUIRE(out.size() == 2);
        CHECK(out[0].protocol_type == 0x0800);
        CHECK(out[0].label == GseLabel::three_byte({ 7, 8, 9 }));
        CHECK_FALSE(out[0].fragmented);
        CHECK(Bytes(out[0].data, out[0].data + out[0].size) == Bytes{ 0x11, 0x22, 0x33 });
        CHECK(out[1].protocol_type == 0x86DD);
        CHECK(out[1].label == GseLabel::three_byte({ 7, 8, 9 }));
        CHECK(out[1].fragmented);
        CHECK(Bytes(out[1].data, out[1].data + out[1].size) == body);

        // The same with one CRC bit wrong is dropped and counted.
        GseReassembler r2;
        GsePduBatch out2;
        df2.back() ^= 1;
        r2.process(df.data(), df.size() * 8, out2);
        r2.process(df2.data(), df2.size() * 8, out2);
        CHECK(out2.size() == 1);
        CHECK(r2.stats().crc_errors == 1);
        CHECK(r2.open_reassemblies() == 0);
    }
}

TEST_CASE("GSE round trip of 20..9000-byte PDUs over changing frame sizes", "[gse][roundtrip]")
{
    std::mt19937 rng(7);
    auto ks = all_kbch();
    for (bool reuse : { true, false }) {
        GseEncapsulator::Config cfg;
        cfg.label_reuse = reuse;
        GseEncapsulator enc(cfg);
        GseReassembler rx;
        std::vector<Sent> sent;
        GsePduBatch out;
        std::vector<uint8_t> frame(58192 / 8);
        size_t nframes = 0;
        std::vector<size_t> sizes = { 20, 9000, 4093, 4094, 4095, 4096, 7264, 7265 };
        for (int i = 0; i < 300; ++i)
            sizes.push_back(20 + rng() % (rng() % 4 == 0 ? 8981 : 1500));
        size_t next = 0;
        while (next < sizes.size() || enc.queued_pdus() > 0) {
            for (int j = static_cast<int>(rng() % 6); j > 0 && next < sizes.size(); --j) {
                sent.push_back(random_pdu(rng, sizes[next++]));
                REQUIRE(enc.push(sent.back().data.data(), sent.back().data.size(),
                                 sent.back().ptype, sent.back().label));
            }
            // Short frames most of the time: 9000-byte PDUs span many of them.
            int k = rng() % 3 ? ks[11 + rng() % 10] : ks[rng() % 11];
            if (nframes % 2) {
                enc.build(k, true, RollOff::R035, frame.data());
                rx.process_bbframe(frame.data(), k, out);
            } else {
                size_t dfl = static_cast<size_t>(k) - 80 - 8 * (rng() % 50);
                enc.fill(dfl, frame.data());
                rx.process(frame.data(), dfl, out);
            }
            ++nframes;
        }
        REQUIRE(out.size() == sent.size());
        for (size_t i = 0; i < sent.size(); ++i) {
            INFO("PDU " << i << " of " << sent[i].data.size() << " bytes");
            REQUIRE(out[i].size == sent[i].data.size());
            CHECK(std::equal(out[i].data, out[i].data + out[i].size, sent[i].data.begin()));
            CHECK(out[i].protocol_type == sent[i].ptype);
            CHECK(out[i].label == sent[i].label);
        }
        const auto& s = rx.stats();
        CHECK(s.pdus_complete + s.pdus_reassembled == sent.size());
        CHECK(s.pdus_reassembled == enc.stats().pdus_fragmented);
        CHECK(s.pdus_reassembled > 100);
        CHECK(s.malformed_packets + s.crc_errors + s.length_errors + s.orphan_fragments +
                  s.aborted_reassemblies + s.timeouts ==
              0);
        CHECK(rx.open_reassemblies() == 0);
    }
}

TEST_CASE("GSE encapsulator rejects bad PDUs", "[gse]")
{
    GseEncapsulator::Config cfg;
    cfg.max_queue_bytes = 100;
    GseEncapsulator enc(cfg);
    Bytes pdu(70000, 1);
    CHECK_THROWS_AS(enc.push(pdu.data(), 0, 0x0800), ConfigError);
    CHECK_THROWS_AS(enc.push(pdu.data(), 10, 0x05FF), ConfigError);
    GseLabel reuse;
    reuse.type = GseLabelType::ReUse;
    CHECK_THROWS_AS(enc.push(pdu.data(), 10, 0x0800, reuse), ConfigError);
    CHECK_THROWS_AS(enc.push(pdu.data(), 65528, 0x0800, GseLabel::six_byte({})), ConfigError);
    CHECK(enc.push(pdu.data(), 60, 0x0800));
    CHECK_FALSE(enc.push(pdu.data(), 60, 0x0800));
    CHECK(enc.stats().pdus_rejected_full == 1);
    Bytes field(100);
    CHECK_THROWS_AS(enc.fill(801, field.data()), ConfigError);
    CHECK_THROWS_AS(enc.fill(58120, field.data()), ConfigError);
    CHECK_THROWS_AS(enc.build(1001, true, RollOff::R035, field.data()), ConfigError);
    CHECK_THROWS_AS(GseReassembler(0), ConfigError);
    // The largest PDU Total_Length allows goes through in fragments.
    GseEncapsulator big;
    GseReassembler rx;
    GsePduBatch out;
    REQUIRE(big.push(pdu.data(), 65533, 0x0800));
    Bytes frame(58192 / 8);
    for (int i = 0; i < 12; ++i) {
        big.build(58192, true, RollOff::R035, frame.data());
        rx.process_bbframe(frame.data(), 58192, out);
    }
    REQUIRE(out.size() == 1);
    CHECK(out[0].size == 65533);
}

TEST_CASE("GSE lost frames and Frag ID timeouts", "[gse][loss]")
{
    std::mt19937 rng(9);
    const int k = 7032; // short 1/2: 869-byte data field
    std::vector<Sent> sent;
    GseEncapsulator enc;
    for (int i = 0; i < 60; ++i) {
        sent.push_back(random_pdu(rng, 200 + rng() % 3000));
        enc.push(sent.back().data.data(), sent.back().data.size(), sent.back().ptype,
                 sent.back().label);
    }
    // Which PDUs each frame carries a piece of, from the encapsulator's progress and
    // the frame's last GSE packet (independently parsed).
    std::vector<Bytes> frames;
    std::vector<std::pair<size_t, size_t>> touched; // [first, last) PDU indices
    while (enc.queued_pdus() > 0) {
        const size_t done = enc.stats().pdus_complete + enc.stats().pdus_fragmented;
        frames.emplace_back(k / 8);
        size_t dfl = enc.build(k, true, RollOff::R035, frames.back().data());
        const size_t done_after = enc.stats().pdus_complete + enc.stats().pdus_fragmented;
        const uint8_t* f = frames.back().data() + 10;
        size_t pos = 0;
        ParsedHeader last{};
        while (pos + 2 <= dfl / 8) {
            last = parse_header(f + pos);
            pos += 2 + last.gse_length;
        }
        REQUIRE(pos == dfl / 8);
        touched.emplace_back(done, last.e ? done_after : done_after + 1);
    }
    REQUIRE(frames.size() > 20);

    for (size_t lost = 2; lost < frames.size() - 1; lost += 5) {
        for (int how = 0; how < 2; ++how) {
            GseReassembler rx;
            GsePduBatch out;
            for (size_t i = 0; i < frames.size(); ++i) {
                if (i != lost)
                    rx.process_bbframe(frames[i].data(), k, out);
                else if (how == 0)
                    rx.frame_lost();
                else {
                    Bytes bad = frames[i];
                    bad[3] ^= 1; // header CRC fails
                    rx.process_bbframe(bad.data(), k, out);
                }
            }
            INFO("lost frame " << lost << (how ? " (bad header)" : " (reported lost)"));
            std::vector<size_t> expected;
            for (size_t j = 0; j < sent.size(); ++j)
                if (j < touched[lost].first || j >= touched[lost].second)
                    expected.push_back(j);
            REQUIRE(out.size() == expected.size());
            for (size_t i = 0; i < out.size(); ++i) {
                const Bytes& want = sent[expected[i]].data;
                REQUIRE(out[i].size == want.size());
                CHECK(std::equal(out[i].data, out[i].data + out[i].size, want.begin()));
            }
            const auto& s = rx.stats();
            // A missing middle shows as a length mismatch before the CRC is even needed;
            // a missing start leaves orphans; a missing end leaves an open reassembly.
            CHECK(s.crc_errors == 0);
            CHECK(s.length_errors + s.orphan_fragments + rx.open_reassemblies() >= 1);
            CHECK(rx.open_reassemblies() <= 1);
        }
    }

    // A first fragment whose continuation never comes times out after N frames.
    GseReassembler rx(4);
    GsePduBatch out;
    GseEncapsulator one;
    Bytes pdu(3000, 0x42);
    one.push(pdu.data(), pdu.size(), 0x0800);
    Bytes field(500);
    one.fill(field.size() * 8, field.data());
    rx.process(field.data(), field.size() * 8, out);
    CHECK(rx.open_reassemblies() == 1);
    Bytes empty(100, 0);
    for (int i = 0; i < 3; ++i)
        rx.process(empty.data(), empty.size() * 8, out);
    CHECK(rx.open_reassemblies() == 1);
    rx.frame_lost();
    CHECK(rx.open_reassemblies() == 0);
    CHECK(rx.stats().timeouts == 1);
    // Its later fragments are now orphans, never glued to anything.
    for (int i = 0; i < 6; ++i) {
        one.fill(field.size() * 8, field.data());
        rx.process(field.data(), field.size() * 8, out);
    }
    CHECK(out.empty());
    CHECK(rx.stats().orphan_fragments >= 5);
}

TEST_CASE("GSE reassembler survives garbage, corruption and truncation", "[gse][robust]")
{
    std::mt19937 rng(13);
    auto ks = all_kbch();
    // A legitimate stream to corrupt.
    std::vector<Sent> sent;
    GseEncapsulator enc;
    for (int i = 0; i < 400; ++i) {
        sent.push_back(random_pdu(rng, 20 + rng() % 9000));
        enc.push(sent.back().data.data(), sent.back().data.size(), sent.back().ptype,
                 sent.back().label);
    }
    std::set<Bytes> originals;
    for (const auto& s : sent)
        originals.insert(s.data);
    std::vector<std::pair<Bytes, int>> frames;
    while (enc.queued_pdus() > 0) {
        int k = ks[rng() % ks.size()];
        frames.emplace_back(Bytes(static_cast<size_t>(k) / 8), k);
        enc.build(k, true, RollOff::R035, frames.back().first.data());
    }

    GseReassembler rx(16);
    GsePduBatch out;
    size_t garbage_reassembled = 0;
    for (int trial = 0; trial < 4000; ++trial) {
        out.clear();
        auto [frame, k] = frames[rng() % frames.size()];
        const uint64_t before = rx.stats().pdus_reassembled;
        switch (trial % 4) {
        case 0: // random bytes as a data field of random length
            for (auto& b : frame)
                b = static_cast<uint8_t>(rng());
            rx.process(frame.data() + 10, 8 * (rng() % (frame.size() - 10)), out);
            garbage_reassembled += rx.stats().pdus_reassembled - before;
            break;
        case 1: { // real frame, a few bits flipped anywhere in the data field
            for (int e = static_cast<int>(rng() % 4); e >= 0; --e)
                frame[10 + rng() % (frame.size() - 10)] ^= static_cast<uint8_t>(1u << (rng() % 8));
            rx.process(frame.data() + 10, static_cast<size_t>(k) - 80, out);
            break;
        }
        case 2: // real frame truncated
            rx.process(frame.data() + 10, 8 * (rng() % (frame.size() - 10)), out);
            break;
        default: // real frame through the header path, header possibly damaged
            if (rng() % 2)
                frame[rng() % 10] ^= static_cast<uint8_t>(1u << (rng() % 8));
            rx.process_bbframe(frame.data(), k, out);
            break;
        }
        for (size_t i = 0; i < out.size(); ++i) {
            GsePduView v = out[i];
            REQUIRE(v.size > 0);
            REQUIRE(v.label.type != GseLabelType::ReUse);
            // Complete GSE packets carry no CRC (the BBFRAME's BCH protects them), but
            // anything reassembled passed CRC-32, so it must be a PDU that was sent.
            if (v.fragmented)
                CHECK(originals.count(Bytes(v.data, v.data + v.size)) == 1);
        }
    }
    CHECK(garbage_reassembled == 0);
    const auto& s = rx.stats();
    CHECK(s.malformed_packets > 100);
    CHECK(s.crc_errors + s.length_errors > 10);
    CHECK(s.orphan_fragments > 10);
    CHECK(s.pdus_reassembled > 0);
    CHECK(s.frames_bad_header > 100);

    // In order, one bit flipped in every fourth data field: what reassembles is right.
    GseReassembler seq;
    GsePduBatch got;
    for (size_t i = 0; i < frames.size(); ++i) {
        Bytes f = frames[i].first;
        if (i % 4 == 1)
            f[10 + rng() % (f.size() - 10)] ^= static_cast<uint8_t>(1u << (rng() % 8));
        seq.process_bbframe(f.data(), frames[i].second, got);
    }
    size_t fragmented = 0;
    for (size_t i = 0; i < got.size(); ++i)
        if (got[i].fragmented) {
            ++fragmented;
            CHECK(originals.count(Bytes(got[i].data, got[i].data + got[i].size)) == 1);
        }
    CHECK(fragmented > 100);
    CHECK(seq.stats().crc_errors + seq.stats().length_errors + seq.stats().malformed_packets +
              seq.stats().orphan_fragments >
          0);
}

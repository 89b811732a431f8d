// SPDX-License-Identifier: GPL-3.0-or-later
// Known answers of the whole protected construction against vectors computed without
// lib/protect (tests/protect/make_vectors.py, python3-cryptography), and NIST SP 800-38D
// GCM vectors through the same AesGcm256 code path the sealer and opener use.
#include "../protect/protect_test_util.h"
#include "../protect/protect_vectors.h"

#include <catch2/catch.hpp>
#include <dualsat/antijam/hop_schedule.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/protect/aes.h>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/keyed_pl.h>

#include <fstream>
#include <map>

using namespace dualsat;
using namespace protect_test;

namespace {

std::string vec(const std::string& name)
{
    const std::string v = protect_test::vector_named(name);
    if (v.empty())
        FAIL("no vector " << name);
    return v;
}

std::string r_digits(const uint8_t* r, size_t n)
{
    static const char d[] = "0123";
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s += d[r[i]];
    return s;
}

// The sealed frame of the vectors: QPSK 1/2 normal with pilots, epoch 7 (hourly slots,
// 7 h + 5 s), link 3, forward, counter 1000 (the nonce state says "reserved 1000").
constexpr uint16_t kLink = 3;
const FrameFormat kFormat{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, true };
constexpr int64_t kClock = (7 * 3600 + 5) * kNs;

BbHeader plain_header()
{
    BbHeader h;
    h.stream_type = StreamType::Transport;
    h.ccm = true;
    h.rolloff = RollOff::R020;
    h.upl = 188 * 8;
    h.dfl = 1600;
    h.sync = 0x47;
    h.syncd = 376;
    return h;
}

} // namespace

TEST_CASE("Protect KAT: HKDF-SHA-384 keys and the key tag", "[protect]")
{
    CHECK(to_hex(test_key_material().master.bytes(), 32) == vec("master_key"));
    CHECK(to_hex(test_key_material().key_id.data(), 32) == vec("key_id"));
    const auto ks = test_schedule();
    const KeyTag tag = ks->key_tag();
    CHECK(to_hex(tag.data(), 3) == vec("key_tag"));
    struct D {
        const char* name;
        KeyPurpose p;
        uint32_t epoch;
        uint16_t link;
        LinkDirection d;
    };
    const D ds[] = {
        { "hkdf.COMSEC.e7.l3.fwd", KeyPurpose::Comsec, 7, 3, LinkDirection::Forward },
        { "hkdf.COMSEC.e7.l3.ret", KeyPurpose::Comsec, 7, 3, LinkDirection::Return },
        { "hkdf.COMSEC.e8.l3.fwd", KeyPurpose::Comsec, 8, 3, LinkDirection::Forward },
        { "hkdf.COMSEC.e7.l4.fwd", KeyPurpose::Comsec, 7, 4, LinkDirection::Forward },
        { "hkdf.PL-SCRAMBLING.e7.l3.fwd", KeyPurpose::PlScrambling, 7, 3, LinkDirection::Forward },
        { "hkdf.PL-HEADER.e7.l3.fwd", KeyPurpose::PlHeader, 7, 3, LinkDirection::Forward },
        { "hkdf.ANTI-JAM.e7.l3.fwd", KeyPurpose::AntiJam, 7, 3, LinkDirection::Forward },
        { "hkdf.HOPPING.e7.l3.fwd", KeyPurpose::Hopping, 7, 3, LinkDirection::Forward },
        { "hkdf.COMSEC.e4294967295.l65535.ret", KeyPurpose::Comsec, 0xFFFFFFFFu, 0xFFFF, LinkDirection::Return },
    };
    for (const D& d : ds) {
        INFO(d.name);
        CHECK(to_hex(ks->derive(d.p, d.epoch, d.link, d.d).bytes(), 32) == vec(d.name));
    }
}

TEST_CASE("Protect KAT: a BBFRAME sealed and opened (nonce, AAD, layout, GCM)", "[protect]")
{
    ScratchDir dir;
    const std::string state = dir.file("nonce");
    {
        std::ofstream f(state);
        f << "dualsat-nonce-state 1\nbinding " << nonce_binding(kLink, LinkDirection::Forward)
          << "\nreserved 1000\n";
    }
    uint8_t nonce[12];
    protect_nonce(7, 1000, nonce);
    CHECK(to_hex(nonce, 12) == vec("seal.nonce"));

    const auto ks = test_schedule();
    FrameSealerConfig sc;
    sc.link_id = kLink;
    sc.nonce_state_path = state;
    sc.clock = [] { return kClock; };
    FrameSealer sealer(ks, sc);
    CHECK(sealer.data_field_overhead_bits(kFormat) == 288); // header, plain DFL + SYNCD, tag

    const size_t field_bytes = static_cast<size_t>(kFormat.code().kbch) / 8 - kBbHeaderBytes;
    REQUIRE(field_bytes == 4016);
    std::vector<uint8_t> frame(kBbHeaderBytes + field_bytes, 0);
    for (size_t i = 0; i < 200; ++i)
        frame[kBbHeaderBytes + i] = static_cast<uint8_t>(7 * i + 3);
    BbHeader h = plain_header();
    sealer.apply(kFormat, 12345, h, frame.data() + kBbHeaderBytes, field_bytes);
    const auto hb = encode_bbheader(h);
    std::copy(hb.begin(), hb.end(), frame.begin());
    CHECK(to_hex(hb.data(), kBbHeaderBytes) == vec("seal.bbheader"));
    const std::string field = vec("seal.field");
    REQUIRE(field.size() / 2 == field_bytes); // the whole field: nothing left in the clear
    CHECK(to_hex(frame.data() + kBbHeaderBytes, field.size() / 2) == field);
    CHECK(sealer.stats().frames == 1);

    // The receiver: the independent vector opens to the plain frame.
    std::vector<uint8_t> rx(frame.size(), 0);
    const auto want_hdr = from_hex(vec("seal.bbheader"));
    const auto want_field = from_hex(field);
    std::copy(want_hdr.begin(), want_hdr.end(), rx.begin());
    std::copy(want_field.begin(), want_field.end(), rx.begin() + kBbHeaderBytes);
    FrameOpenerConfig oc;
    oc.link_id = kLink;
    oc.clock = [] { return kClock; };
    FrameOpener opener(ks, oc);
    const size_t plain = opener.open(rx.data(), rx.size(), kFormat, 0);
    REQUIRE(plain == rx.size() - kProtectOverheadBytes);
    CHECK(to_hex(rx.data(), kBbHeaderBytes) == vec("seal.plain_bbheader"));
    for (size_t i = 0; i < 200; ++i)
        REQUIRE(rx[kBbHeaderBytes + i] == static_cast<uint8_t>(7 * i + 3));
    for (size_t i = kBbHeaderBytes + 200; i < plain; ++i)
        REQUIRE(rx[i] == 0);
    CHECK(opener.counters().opened == 1);
    CHECK(opener.counters().dropped() == 0);
}

TEST_CASE("Protect KAT: keyed PL scrambling (AES-CTR -> R) and keyed PLHEADER", "[protect]")
{
    const auto ks = test_schedule();
    KeyedPlScrambling fixed(ks->derive(KeyPurpose::PlScrambling, 7, 3, LinkDirection::Forward), 1);
    const uint8_t* r = fixed.rn(987654, 33192); // period 1: any counter
    CHECK(r_digits(r, 256) == vec("r.slot0.head"));
    CHECK(r_digits(r + 33192 - 64, 64) == vec("r.slot0.tail"));
    KeyedPlScrambling per16(ks->derive(KeyPurpose::PlScrambling, 7, 3, LinkDirection::Forward), 16);
    std::vector<uint8_t> scratch(PlScramblingSequence::kMaxLength);
    CHECK(r_digits(per16.fill(21, 256, scratch.data()), 256) == vec("r.slot5.head")); // 21 mod 16
    CHECK(r_digits(per16.rn(5, 256), 256) == vec("r.slot5.head"));
    CHECK(r_digits(per16.rn(16, 33192) + 33192 - 64, 64) == vec("r.slot0.tail"));

    const SecureKey hk = ks->derive(KeyPurpose::PlHeader, 7, 3, LinkDirection::Forward);
    char buf[32];
    KeyedPlHeader h1(hk, 1);
    std::snprintf(buf, sizeof buf, "%07x%016llx", h1.sof_bits(42), static_cast<unsigned long long>(h1.plsc_mask(42)));
    CHECK(std::string(buf) == vec("plh.slot0"));
    KeyedPlHeader h16(hk, 16);
    std::snprintf(buf, sizeof buf, "%07x%016llx", h16.sof_bits(37), static_cast<unsigned long long>(h16.plsc_mask(37)));
    CHECK(std::string(buf) == vec("plh.slot5"));
}

TEST_CASE("Protect KAT: NIST SP 800-38D AES-256-GCM vectors through AesGcm256", "[protect]")
{
    // NIST CAVP gcmEncryptExtIV256.rsp, [Keylen = 256] [IVlen = 96] [Taglen = 128]:
    // PTlen/AADlen 0/0 Count 0, 128/0 Count 0, 104/0 Count 3, 256/0 Count 6, 408/0 Count 8,
    // 128/128 Count 0.
    struct Gcm {
        const char *key, *iv, *pt, *aad, *ct, *tag;
    };
    const Gcm cases[] = {
        { "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4", "516c33929df5a3284ff463d7", "", "", "",
          "bdc1ac884d332457a1d2664f168c76f0" },
        { "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22", "0d18e06c7c725ac9e362e1ce",
          "2db5168e932556f8089a0622981d017d", "", "fa4362189661d163fcd6a56d8bf0405a", "d636ac1bbedd5cc3ee727dc2ab4a9489" },
        { "e5a0eb92cc2b064e1bc80891faf1fab5e9a17a9c3a984e25416720e30e6c2b21", "4742357c335913153ff0eb0f",
          "8499893e16b0ba8b007d54665a", "", "eb8e6175f1fe38eb1acf95fd51", "88a8b74bb74fda553e91020a23deed45" },
        { "37f39137416bafde6f75022a7a527cc593b6000a83ff51ec04871a0ff5360e4e", "a291484c3de8bec6b47f525f",
          "fafd94cede8b5a0730394bec68a8e77dba288d6ccaa8e1563a81d6e7ccc7fc97", "",
          "44dc868006b21d49284016565ffb3979cc4271d967628bf7cdaf86db888e92e5", "01a2b578aa2f41ec6379a44a31cc019c" },
        { "595f259c55abe00ae07535ca5d9b09d6efb9f7e9abb64605c337acbd6b14fc7e", "92f258071d79af3e63672285",
          "a6fee33eb110a2d769bbc52b0f36969c287874f665681477a25fc4c48015c541fbe2394133ba490a34ee2dd67b898177849a91", "",
          "bbca4a9e09ae9690c0f6f8d405e53dccd666aa9c5fa13c8758bc30abe1ddd1bcce0d36a1eaaaaffef20cd3c5970b9673f8a65c",
          "26ccecb9976fd6ac9c2c0f372c52c821" },
        { "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b", "ac93a1a6145299bde902f21a",
          "2d71bcfa914e4ac045b2aa60955fad24", "1e0889016f67601c8ebea4943bc23ad6", "8995ae2e6df3dbf96fac7b7137bae67f",
          "eca5aa77d51d4a0a14d9c51e1da474ab" },
    };
    for (const Gcm& c : cases) {
        INFO("key " << c.key);
        const auto key = from_hex(c.key), iv = from_hex(c.iv), aad = from_hex(c.aad);
        SecureKey k(key.data());
        AesGcm256 gcm(k);
        std::vector<uint8_t> data = from_hex(c.pt);
        uint8_t tag[16];
        gcm.seal(iv.data(), aad.data(), aad.size(), data.data(), data.size(), tag);
        CHECK(to_hex(data.data(), data.size()) == c.ct);
        CHECK(to_hex(tag, 16) == c.tag);
        CHECK(gcm.open(iv.data(), aad.data(), aad.size(), data.data(), data.size(), tag));
        CHECK(to_hex(data.data(), data.size()) == c.pt);
        // One bit of the tag, the ciphertext or the AAD wrong: refused.
        gcm.seal(iv.data(), aad.data(), aad.size(), data.data(), data.size(), tag);
        tag[15] ^= 1;
        CHECK_FALSE(gcm.open(iv.data(), aad.data(), aad.size(), data.data(), data.size(), tag));
        if (!aad.empty()) {
            std::vector<uint8_t> ct = from_hex(c.ct), bad_aad = aad;
            const auto good_tag = from_hex(c.tag);
            bad_aad[0] ^= 0x80;
            CHECK_FALSE(gcm.open(iv.data(), bad_aad.data(), bad_aad.size(), ct.data(), ct.size(), good_tag.data()));
        }
    }
}

TEST_CASE("Protect KAT: the keyed hop pattern (HOPPING key, AES-CTR, rejection to N channels)",
          "[protect][antijam]")
{
    const auto ks = test_schedule();
    const SecureKey key = ks->derive(KeyPurpose::Hopping, 7, 3, LinkDirection::Forward);
    auto pattern = [&key](int n, uint64_t first, int count) {
        SecureKey copy(key.bytes());
        HopSchedule s(std::move(copy), n);
        std::string out;
        for (int k = 0; k < count; ++k)
            out += (k ? "," : "") + std::to_string(s.channel(first + static_cast<uint64_t>(k)));
        return out;
    };
    CHECK(pattern(64, 0, 40) == vec("hop.n64.slots0"));
    CHECK(pattern(64, uint64_t{ 1 } << 40, 8) == vec("hop.n64.slots2^40"));
    CHECK(pattern(5, 0, 20) == vec("hop.n5.slots0"));
}

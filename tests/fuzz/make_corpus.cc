// SPDX-License-Identifier: GPL-3.0-or-later
//
// Writes the seed corpus of the fuzz targets: a few small, valid inputs per target in
// each target's input format (see the comment at the top of each fuzz_<name>.cc), built
// with the library's own encoders so that they reach deep into the parsers. Run after a
// change of an input format, and commit the result:
//   cmake --build build --target fuzz_make_corpus
//   build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus examples/modemd

#include <dualsat/acm/link_report.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/gse.h>
#include <dualsat/framing/ts_adaptation.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/pl/plheader.h>

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace dualsat;
using Bytes = std::vector<uint8_t>;

namespace {

std::string g_root;

void put(const std::string& target, const std::string& name, const Bytes& b)
{
    const std::string dir = g_root + "/" + target;
    ::mkdir(g_root.c_str(), 0755);
    ::mkdir(dir.c_str(), 0755);
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes text(uint8_t prefix, const std::string& s)
{
    Bytes b{ prefix };
    b.insert(b.end(), s.begin(), s.end());
    return b;
}

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void append16(Bytes& b, unsigned v)
{
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void append_float(Bytes& b, float f)
{
    uint8_t raw[4];
    std::memcpy(raw, &f, 4);
    b.insert(b.end(), raw, raw + 4);
}

Bytes header(const BbHeader& h)
{
    const auto a = encode_bbheader(h);
    return Bytes(a.begin(), a.end());
}

BbHeader ts_header(uint16_t dfl, uint16_t syncd)
{
    BbHeader h;
    h.stream_type = StreamType::Transport;
    h.upl = kTsUplBits;
    h.sync = kTsSyncByte;
    h.dfl = dfl;
    h.syncd = syncd;
    return h;
}

Bytes ts_packet(int seq)
{
    Bytes p(kTsPacketBytes);
    p[0] = kTsSyncByte;
    p[1] = 0x01;
    p[2] = 0x00;
    p[3] = static_cast<uint8_t>(0x10 | (seq & 0x0F));
    for (size_t i = 4; i < p.size(); ++i)
        p[i] = static_cast<uint8_t>(seq * 7 + i);
    return p;
}

Bytes pdu(size_t len, int seed)
{
    Bytes p(len);
    for (size_t i = 0; i < len; ++i)
        p[i] = static_cast<uint8_t>(seed + i * 13);
    if (len >= 20)
        p[0] = 0x45; // looks like IPv4
    return p;
}

void bbheader_corpus()
{
    put("bbheader", "ts", header(ts_header(1504 * 3, 0)));
    Bytes ts_field = header(ts_header(200 * 8, 40 * 8));
    ts_field.resize(kBbHeaderBytes + 200, 0x5A);
    put("bbheader", "ts-with-field", ts_field);
    put("bbheader", "gse", header(gse_bbheader(3000 * 8, true, RollOff::R020)));
    BbHeader acm = gse_bbheader(800, false, RollOff::R025);
    acm.single_stream = false;
    acm.matype2 = 7;
    put("bbheader", "gse-mis-acm", header(acm));
    Bytes bad = header(ts_header(1504, 0));
    bad[9] ^= 1;
    put("bbheader", "bad-crc", bad);
    put("bbheader", "short", Bytes{ 0xF0, 0x00, 0x05 });
}

void plsc_corpus()
{
    const PlsCode codes[] = { PlsCode{ 4, false, true }, PlsCode{ 17, true, false },
                              PlsCode{ 28, false, false }, dummy_pls_code() };
    int n = 0;
    for (const PlsCode& c : codes) {
        std::complex<float> sym[kPlHeaderSymbols];
        plheader_symbols(c, sym);
        float soft[kPlscSymbols];
        pi2bpsk_soft(sym, kSofSymbols, kPlscSymbols, soft);
        Bytes m0{ 0, 1 };
        for (float s : soft)
            append_float(m0, s * 0.8f);
        put("plsc", "soft-" + std::to_string(n), m0);
        Bytes m1{ 1, 1 };
        for (auto s : sym) {
            append_float(m1, s.real());
            append_float(m1, s.imag());
        }
        put("plsc", "symbols-" + std::to_string(n), m1);
        Bytes m2{ 2, 1, c.bits() };
        for (int i = 0; i < 2 * kPlHeaderSymbols; ++i)
            m2.push_back(static_cast<uint8_t>((i * 37 + n * 11) & 0x7F) - 64);
        put("plsc", "noisy-" + std::to_string(n), m2);
        ++n;
    }
    // A keyed mask and SOF (protected profile style) in mode 2.
    Bytes keyed{ 2, 0 };
    for (int i = 0; i < 8; ++i)
        keyed.push_back(static_cast<uint8_t>(0x3C + 29 * i));
    keyed.push_back(0x55);
    for (int i = 0; i < 4; ++i)
        keyed.push_back(static_cast<uint8_t>(0x91 * (i + 1)));
    put("plsc", "keyed", keyed);
}

void gse_corpus()
{
    // Raw mode: data fields of an encapsulator with a complete PDU, then one fragmented
    // across the next fields, and a whole BBFRAME.
    GseEncapsulator enc;
    enc.push(pdu(40, 1).data(), 40, 0x0800, GseLabel::broadcast());
    enc.push(pdu(300, 2).data(), 300, 0x86DD, GseLabel::six_byte({ { 2, 0, 0, 0, 0, 1 } }));
    enc.push(pdu(64, 3).data(), 64, 0x86DD, GseLabel::six_byte({ { 2, 0, 0, 0, 0, 1 } }));
    enc.push(pdu(90, 4).data(), 90, 0x0800, GseLabel::three_byte({ { 9, 8, 7 } }));
    Bytes raw{ 0x00, 0xFF };
    for (int i = 0; i < 3; ++i) {
        Bytes field(160);
        const size_t used = enc.fill(field.size() * 8, field.data());
        (void)used;
        raw.push_back(0x02);
        append16(raw, static_cast<unsigned>(field.size()));
        append(raw, field);
    }
    raw.push_back(0x00); // a lost frame
    put("gse", "fields", raw);

    GseEncapsulator enc2;
    enc2.push(pdu(100, 5).data(), 100, 0x0800);
    enc2.push(pdu(1500, 6).data(), 1500, 0x0800);
    const int kbch = 88 + 8 * 200; // 210-byte frames
    Bytes frames{ 0x00, 0x10 };
    for (int i = 0; i < 3; ++i) {
        Bytes f(static_cast<size_t>(kbch) / 8);
        enc2.build(kbch, true, RollOff::R020, f.data());
        frames.push_back(0x01);
        append16(frames, (kbch - 88) / 8);
        append(frames, f);
    }
    put("gse", "bbframes", frames);

    // Round trip: PDUs as [LT][protocol][label][length][data].
    Bytes rt{ 0x01, 0x01 };
    rt.push_back(0); // six-byte label
    append16(rt, 0x0800 - kGseMinEtherType);
    append(rt, Bytes{ 2, 0, 0, 0, 0, 9 });
    append16(rt, 99);
    append(rt, pdu(100, 7));
    rt.push_back(2); // broadcast
    append16(rt, 0x86DD - kGseMinEtherType);
    append16(rt, 599);
    append(rt, pdu(600, 8));
    rt.push_back(1); // three-byte label
    append16(rt, 0x88B5 - kGseMinEtherType);
    append(rt, Bytes{ 1, 2, 3 });
    append16(rt, 19);
    append(rt, pdu(20, 9));
    put("gse", "round-trip", rt);
}

void ts_corpus()
{
    // Raw mode: frames from the framer, 211 bytes each (K_bch = 88 + 8*200).
    TsFramer framer;
    for (int i = 0; i < 4; ++i)
        framer.push(ts_packet(i).data());
    const int kbch = 88 + 8 * 200;
    for (int policy = 0; policy < 2; ++policy) {
        Bytes raw{ static_cast<uint8_t>(policy * 2) };
        TsFramer f2;
        for (int i = 0; i < 4; ++i)
            f2.push(ts_packet(i).data());
        for (int i = 0; i < 4; ++i) {
            Bytes f(static_cast<size_t>(kbch) / 8);
            f2.build(kbch, true, RollOff::R035, f.data());
            raw.push_back(0x02);
            append16(raw, 200);
            append(raw, f);
            if (i == 1 && policy == 1)
                raw.push_back(0x00); // lost frame
        }
        put("ts", "frames-policy" + std::to_string(policy), raw);
    }
    Bytes rt{ 0x01 };
    for (int i = 0; i < 3; ++i)
        append(rt, ts_packet(i));
    rt[2] = 0x81; // frame sizes from the first packet's bytes 1..3: small, large, small
    rt[3] = 0x10;
    rt[4] = 0x9F;
    put("ts", "round-trip", rt);
}

void bbframe_corpus()
{
    // Formats: index 0 = QPSK 1/4 normal (K_bch 16008); the short ones start at 28
    // (index 28 = QPSK 1/4 short, K_bch 3072).
    const std::vector<FrameFormat> normal = all_frame_formats(FrameSize::Normal, false);
    const FrameFormat shortf = all_frame_formats(FrameSize::Short, true)[0];
    const int kbch = shortf.code().kbch;
    const uint8_t short_index = static_cast<uint8_t>(normal.size());

    TsFramer ts;
    for (int i = 0; i < 6; ++i)
        ts.push(ts_packet(i).data());
    Bytes tsin{ 0x00, 0x10 };
    for (int i = 0; i < 3; ++i) {
        Bytes f(static_cast<size_t>(kbch) / 8);
        ts.build(kbch, true, RollOff::R035, f.data());
        tsin.push_back(0x00);
        tsin.push_back(short_index);
        append16(tsin, 0);
        append(tsin, f);
    }
    put("bbframe", "ts-short", tsin);

    GseEncapsulator gse;
    gse.push(pdu(200, 1).data(), 200, 0x0800);
    gse.push(pdu(900, 2).data(), 900, 0x86DD);
    Bytes gin{ 0x02, 0x20 }; // with the test opener, answering "whole frame"
    for (int i = 0; i < 2; ++i) {
        Bytes f(static_cast<size_t>(kbch) / 8);
        gse.build(kbch, true, RollOff::R020, f.data());
        gin.push_back(0x20);
        gin.push_back(short_index);
        append16(gin, 0);
        append(gin, f);
    }
    gin.push_back(0xC0); // a BCH failure
    gin.push_back(short_index);
    append16(gin, 0);
    put("bbframe", "gse-opener", gin);

    GseEncapsulator big;
    big.push(pdu(1400, 3).data(), 1400, 0x0800);
    Bytes nin{ 0x00, 0x40 };
    Bytes f(static_cast<size_t>(normal[0].code().kbch) / 8);
    big.build(normal[0].code().kbch, false, RollOff::R025, f.data());
    nin.push_back(0x00);
    nin.push_back(0);
    append16(nin, 0);
    append(nin, f);
    put("bbframe", "gse-normal", nin);
}

void sigmf_corpus()
{
    const std::string meta =
        "{\n  \"global\": {\n    \"core:datatype\": \"cf32_le\",\n    \"core:sample_rate\": 2000000.0,\n"
        "    \"core:version\": \"1.0.0\",\n    \"core:recorder\": \"dualsat-modemd\",\n"
        "    \"core:description\": \"loopback test\",\n    \"core:hw\": \"b200\",\n"
        "    \"core:extensions\": [{\"name\": \"dualsat\", \"version\": \"0.1.0\", \"optional\": true}],\n"
        "    \"dualsat:modcod\": \"QPSK 1/2\",\n    \"dualsat:frame\": \"normal\",\n"
        "    \"dualsat:pilots\": true,\n    \"dualsat:symbol_rate\": 1000000.0,\n"
        "    \"dualsat:rolloff\": 0.2\n  },\n"
        "  \"captures\": [{\"core:sample_start\": 0, \"core:datetime\": \"2026-01-01T00:00:00Z\",\n"
        "                 \"core:frequency\": 1200000000.0}],\n"
        "  \"annotations\": [{\"core:sample_start\": 0, \"core:sample_count\": 2}]\n}\n";
    Bytes b{ 16, 1 };
    b.insert(b.end(), meta.begin(), meta.end());
    put("sigmf", "recording", b);
    const std::string minimal = "{\"global\":{\"core:datatype\":\"cf32_le\",\"core:sample_rate\":1e6}}";
    Bytes m{ 8, 0 };
    m.insert(m.end(), minimal.begin(), minimal.end());
    put("sigmf", "minimal", m);
    const std::string other = "{\"global\":{\"core:datatype\":\"ci16_le\",\"core:sample_rate\":1e6}}";
    Bytes o{ 0, 0 };
    o.insert(o.end(), other.begin(), other.end());
    put("sigmf", "wrong-datatype", o);
}

void config_corpus(const std::string& examples)
{
    if (DIR* d = ::opendir(examples.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() < 6 || n.compare(n.size() - 5, 5, ".yaml") != 0)
                continue;
            std::ifstream in(examples + "/" + n);
            std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            put("config", n.substr(0, n.size() - 5), text(1, s));
        }
        ::closedir(d);
    }
    put("config", "file-rx",
        text(1, "modem: {modcod: 8PSK 3/5, frame: short, pilots: false}\n"
                "radio: {backend: file, direction: rx, sample_rate: 2e6,\n"
                "        file: {rx_path: rec.sigmf-data, throttle: false, repeat: true}}\n"
                "data: {ip: {forward: '[::1]:5001', ethertype: 0x86DD}}\n"));
    put("config", "token-file",
        text(0, "modem: {stream: ts}\n"
                "data: {ts: {listen: 127.0.0.1:6000, forward: 127.0.0.1:6001, packets_per_datagram: 7}}\n"
                "control: {bind: 0.0.0.0, port: 0, token_file: token}\n"));
    put("config", "inline-token",
        text(1, "modem: {modcod: 16APSK 2/3, rolloff: 0.35}\n"
                "control: {bind: '::', token: 'abcdefghijklmnop0123'}\n"
                "logging: {level: debug}\n"));
    put("config", "empty", text(1, ""));
}

void api_corpus()
{
    put("control_api", "status", text(0, "GET\n/status\n"));
    put("control_api", "metrics-auth", text(3, "GET\n/metrics\n"));
    put("control_api", "modcod", text(0, "POST\n/modcod\n{\"modcod\": \"8PSK 3/5\", \"frame\": \"short\", \"pilots\": true}"));
    put("control_api", "gain", text(7, "POST\n/gain\nBearer fuzz-token-0123456789abcdef\n{\"gain_db\": \"12.5\", \"direction\": \"rx\"}"));
    put("control_api", "frequency", text(0, "POST\n/frequency/\n{\"freq_hz\": 1.2e9}"));
    put("control_api", "wrong-token", text(7, "GET\n/status?x=1\nBearer nope\n"));
    put("control_api", "method", text(0, "DELETE\n/modcod\n"));

    put("http", "status", text(0, "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    put("http", "head", text(0, "HEAD /metrics HTTP/1.0\r\n\r\n"));
    put("http", "modcod-auth",
        text(1, "POST /modcod HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer fuzz-token-0123456789abcdef\r\n"
                "Content-Type: application/json\r\nContent-Length: 23\r\n\r\n{\"modcod\": \"QPSK 9/10\"}"));
    put("http", "chunked",
        text(0, "POST /gain HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                "e\r\n{\"gain_db\": 3}\r\n0\r\n\r\n"));
    put("http", "too-large", text(0, "POST /frequency HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n{}"));
    put("http", "no-auth", text(1, "GET / HTTP/1.1\r\n\r\n"));
}

} // namespace

// Link-quality reports (lib/acm): locked with an estimate, unlocked, extremes of range.
void link_report_corpus()
{
    LinkReport r;
    r.link_id = 1;
    r.sequence = 42;
    r.timestamp_ns = 1'000'000'000ull;
    r.locked = true;
    r.esn0_valid = true;
    r.esn0_db = 7.25;
    r.esn0_var_db2 = 0.04;
    r.frames_ok = 118;
    r.frames_failed = 2;
    r.set_last_format(FrameFormat{ ModCod{ Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Normal, true });
    put("link_report", "locked", r.encode());
    LinkReport u;
    u.link_id = 7;
    u.sequence = 0xffffffffu;
    put("link_report", "unlocked", u.encode());
    r.esn0_db = -3.0;
    r.set_last_format(FrameFormat{ ModCod{ Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, false });
    put("link_report", "short-pilotless", r.encode());
}

// The protected profile's open path (fuzz_protect_open.cc: mode, MODCOD, flags, ...): raw
// frames, and genuine ones with and without edits (the sealing happens in the target).
void protect_open_corpus()
{
    put("protect_open", "raw-qpsk14-normal", Bytes{ 0, 0, 0, 0x72, 0x00, 0x01, 0x00 });
    Bytes genuine = { 1, 3, 2 }; // QPSK 1/2 (number 4), normal, pilots
    append16(genuine, 64);       // payload bytes
    for (int i = 0; i < 64; ++i)
        genuine.push_back(static_cast<uint8_t>(0x47 + i));
    Bytes untouched = genuine;
    untouched.push_back(0); // no edits, same format
    untouched.push_back(0);
    put("protect_open", "genuine-untouched", untouched);
    Bytes flipped = genuine;
    flipped.push_back(1);   // one edit
    append16(flipped, 20);  // in the protect header
    flipped.push_back(0x01);
    flipped.push_back(0);
    put("protect_open", "genuine-bit-flip", flipped);
    Bytes relabelled = genuine;
    relabelled[1] = 4;                   // sealed as QPSK 3/5 (number 5), claimed as
    relabelled.push_back(0);
    relabelled.push_back(1 | (11 << 1)); // 8PSK 3/5 (number 12: the same K_bch) ...
    relabelled.push_back(2);
    put("protect_open", "genuine-other-format", relabelled);
    Bytes pilots = genuine;
    pilots.push_back(0);
    pilots.push_back(1 | (3 << 1)); // ... or the same MODCOD without pilots
    pilots.push_back(0);
    put("protect_open", "genuine-pilots-claimed-off", pilots);
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR EXAMPLES_MODEMD_DIR\n", argv[0]);
        return 2;
    }
    g_root = argv[1];
    bbheader_corpus();
    plsc_corpus();
    gse_corpus();
    ts_corpus();
    bbframe_corpus();
    sigmf_corpus();
    config_corpus(argv[2]);
    api_corpus();
    link_report_corpus();
    protect_open_corpus();
    return 0;
}

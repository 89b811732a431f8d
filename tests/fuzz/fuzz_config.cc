// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: the configuration loader of dualsat-modemd (apps/dualsat-modemd/config.h,
// parse_config: YAML text -> validated Config). Input: byte 0 bit 0 says whether the file
// holding the text is private (an inline token needs that); the rest is the YAML text.
// Relative paths resolve in a private temporary directory holding a 0600 token file
// "token", a 0644 "token-shared" and a recording "rec.sigmf-data".
// Invariants:
//  - parse_config returns or throws dualsat::ConfigError, nothing else;
//  - the secret of the token file never appears in an error message;
//  - an accepted config satisfies every documented rule: a MODCOD that exists for the
//    frame size, ranges (symbol rate, sample rate >= 2x, gold code, FEC threads, TX RMS,
//    queue, drain timeout, TS packets per datagram), a bearer token of >= 16 printable
//    characters whenever the control API is bound to a non-loopback address, endpoints
//    with parseable hosts, a backend/direction pair the daemon can run;
//  - the file backend can start with it: the SigMF metadata of a recording (its
//    description comes from the config) can be written;
//  - and (issue 15 item 4) it has no duplicate mapping keys, no second non-empty YAML
//    document, and does not forward IP to where it listens.

#include "fuzz_common.h"

#include "config.h"
#include "sigmf.h"

#include <dualsat/core/error.h>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fcntl.h>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const char kSecret[] = "Fz7-secret-token-Q9x2-never-in-messages";

// The files parse_config may look at: token files (private and shared) and a recording.
struct ConfigDir : fuzz::ScratchDir {
    ConfigDir() : ScratchDir("config", { "token", "token-shared", "rec.sigmf-data", "out.sigmf-meta" })
    {
        put("token", std::string(kSecret) + "\n", 0600);
        put("token-shared", std::string(kSecret) + "\n", 0644);
        put("rec.sigmf-data", "", 0644);
    }
};

// Counts the documents of a YAML stream and whether one after the first has content.
// YAML::LoadAll cannot be used for this: yaml-cpp 0.7 loops forever on a stray ',' at the
// top level (every HandleNextDocument yields another empty document, ~350 MB/s of them),
// so the stream is walked with the event parser and at most kMaxDocs documents.
class DocumentCounter : public YAML::EventHandler
{
public:
    static constexpr int kMaxDocs = 8;
    int documents = 0;
    bool later_content = false; // a document after the first holds a node

    void OnDocumentStart(const YAML::Mark&) override { ++documents; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override { content(); }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override
    {
        content();
    }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override
    {
        content();
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override
    {
        content();
    }
    void OnMapEnd() override {}

private:
    void content() { later_content |= documents > 1; }
};

// True if some mapping in the tree has the same scalar key twice (yaml-cpp keeps both
// pairs; a lookup sees only the first, so the second is silently ignored).
bool has_duplicate_keys(const YAML::Node& n, int depth = 0)
{
    if (depth > 32)
        return false;
    if (n.IsMap()) {
        std::set<std::string> keys;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (it->first.IsScalar() && !keys.insert(it->first.Scalar()).second)
                return true;
            if (has_duplicate_keys(it->second, depth + 1))
                return true;
        }
    } else if (n.IsSequence()) {
        for (auto it = n.begin(); it != n.end(); ++it)
            if (has_duplicate_keys(*it, depth + 1))
                return true;
    }
    return false;
}

bool valid_endpoint(const std::optional<modemd::Endpoint>& e)
{
    if (!e)
        return true;
    try {
        const modemd::Endpoint again = modemd::parse_endpoint("x", e->text());
        return again.host == e->host && again.port == e->port;
    } catch (const dualsat::ConfigError&) {
        return false;
    }
}

void check_accepted(const modemd::Config& c, const std::string& text, const std::string& tmp_dir)
{
    using namespace modemd;
    const auto& m = c.modem;
    FUZZ_CHECK(dualsat::modcod_valid(m.format.modcod));
    FUZZ_CHECK(dualsat::code_exists(m.format.frame, m.format.modcod.rate));
    FUZZ_CHECK(m.profile == "civil");
    FUZZ_CHECK(m.symbol_rate >= 1e3 && m.symbol_rate <= 500e6);
    FUZZ_CHECK(m.gold_code >= 0 && m.gold_code <= 262141);
    FUZZ_CHECK(m.rx_fec_threads >= 1 && m.rx_fec_threads <= 16);
    const auto& r = c.radio;
    FUZZ_CHECK(std::isfinite(r.sample_rate) && r.sample_rate >= 2.0 * m.symbol_rate);
    FUZZ_CHECK(r.tx_rms > 0 && r.tx_rms <= 1);
    FUZZ_CHECK(r.backend != Backend::Loopback || r.direction == Direction::Both);
    FUZZ_CHECK(r.backend == Backend::Loopback || r.backend == Backend::Zmq ||
               r.direction != Direction::Both);
    if (r.backend == Backend::Uhd) {
        FUZZ_CHECK(!c.has_tx() || r.uhd.tx.present);
        FUZZ_CHECK(!c.has_rx() || r.uhd.rx.present);
    }
    if (r.backend == Backend::File) {
        FUZZ_CHECK(!c.has_tx() || !r.file.tx_path.empty());
        FUZZ_CHECK(!c.has_rx() || !r.file.rx_path.empty());
    }
    if (r.backend == Backend::Zmq) {
        FUZZ_CHECK(!c.has_tx() || !r.zmq.tx_address.empty());
        FUZZ_CHECK(!c.has_rx() || !r.zmq.rx_address.empty());
    }
    FUZZ_CHECK(std::isfinite(c.channel.esn0_db) && std::isfinite(c.channel.cfo_hz));
    FUZZ_CHECK(c.channel.timing_offset >= 0.9 && c.channel.timing_offset <= 1.1);
    const auto& d = c.data;
    FUZZ_CHECK(valid_endpoint(d.ip_listen) && valid_endpoint(d.ip_forward) &&
               valid_endpoint(d.ts_listen) && valid_endpoint(d.ts_forward));
    FUZZ_CHECK(d.ethertype == 0 || d.ethertype >= dualsat::kGseMinEtherType);
    FUZZ_CHECK(d.tun.size() <= 15);
    FUZZ_CHECK(d.ts_packets_per_datagram >= 1 && d.ts_packets_per_datagram <= 348);
    FUZZ_CHECK(d.queue_bytes >= 4096);
    FUZZ_CHECK(d.drain_timeout >= 0 && d.drain_timeout <= 60);
    const auto& k = c.control;
    if (k.enabled && !is_loopback_address(k.bind))
        FUZZ_CHECK(!k.token.empty());
    if (!k.token.empty()) {
        FUZZ_CHECK(k.token.size() >= 16);
        for (char ch : k.token)
            FUZZ_CHECK(ch > ' ' && ch <= '~');
    }
    FUZZ_CHECK(d.ethertype != kAcmReportEtherType); // the in-band reports' own
    FUZZ_CHECK(c.acm.mode == "fixed" || c.acm.mode == "acm");
    if (c.acm.enabled())
        FUZZ_CHECK(c.has_tx() && m.stream == StreamInput::Gse && c.acm.thresholds.has_value());
    if (c.acm.feedback == AcmFeedback::InBand)
        FUZZ_CHECK(c.has_tx() && c.has_rx());
    if (c.acm.feedback == AcmFeedback::Udp)
        FUZZ_CHECK(c.acm.udp_listen || c.acm.udp_send_to);
    FUZZ_CHECK(c.acm.report_interval_s >= 0.02 && c.acm.report_interval_s <= 60);
    if (r.backend == Backend::File && c.has_tx()) {
        // What FileRadio does before recording (radio.cc); YAML passes any bytes through.
        SigmfInfo info;
        info.sample_rate = r.sample_rate;
        info.description = r.file.description;
        info.modcod = dualsat::to_string(m.format.modcod);
        info.frame = dualsat::to_string(m.format.frame);
        try {
            write_sigmf_meta(tmp_dir + "/out.sigmf-data", info);
        } catch (const std::exception& e) {
            fuzz::fail_exception("write_sigmf_meta of an accepted config", e);
        }
    }

    // Issue 15 item 4: silently ignored input, and a forwarding loop.
    bool dup = false, more_docs = false;
    try {
        dup = has_duplicate_keys(YAML::Load(text));
        std::istringstream stream(text);
        YAML::Parser parser(stream);
        DocumentCounter counter;
        int calls = 0;
        while (calls < DocumentCounter::kMaxDocs && parser.HandleNextDocument(counter))
            ++calls;
        // Content after the first document, or a stream of documents that does not end.
        more_docs = counter.later_content || calls == DocumentCounter::kMaxDocs;
    } catch (const YAML::Exception&) {
        more_docs = true; // a later document that does not even parse, yet accepted
    }
    if (dup && !fuzz::known_defect("issue15-4-duplicate-keys"))
        fuzz::fail("accepted a mapping with a duplicate key (issue 15 item 4)", __FILE__, __LINE__);
    if (more_docs && !fuzz::known_defect("issue15-4-more-documents"))
        fuzz::fail("accepted a second YAML document (issue 15 item 4)", __FILE__, __LINE__);
    if (d.ip_listen && d.ip_forward && d.ip_listen->host == d.ip_forward->host &&
        d.ip_listen->port == d.ip_forward->port && d.ip_listen->port != 0 &&
        !fuzz::known_defect("issue15-4-forward-loop"))
        fuzz::fail("data.ip.forward equals data.ip.listen (issue 15 item 4)", __FILE__, __LINE__);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static ConfigDir dir;
    fuzz::Input in(data, size);
    const bool file_private = in.flag();
    const std::string text(reinterpret_cast<const char*>(in.here()), in.remaining());
    modemd::Config c;
    try {
        c = modemd::parse_config(text, "fuzz.yaml", dir.path, file_private);
    } catch (const dualsat::ConfigError& e) {
        const std::string what = e.what();
        FUZZ_CHECK(!what.empty());
        if (text.find(kSecret) == std::string::npos)
            FUZZ_CHECK(what.find(kSecret) == std::string::npos);
        return 0;
    } catch (const std::exception& e) {
        fuzz::fail_exception("parse_config", e);
    }
    FUZZ_CHECK(c.path == "fuzz.yaml");
    if (c.control.token == kSecret)
        FUZZ_CHECK(text.find("token_file") != std::string::npos);
    check_accepted(c, text, dir.path);
    return 0;
}

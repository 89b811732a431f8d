// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace modemd {

using dualsat::ConfigError;

namespace {

// Counts the documents of a YAML stream with the event parser, at most kMaxDocuments.
// YAML::LoadAll cannot be used: yaml-cpp 0.7 never returns on a stray ',' at the top level
// (each HandleNextDocument yields another empty document; found by fuzz_config), so a
// one-character config would hang --check, start-up and SIGHUP.
class DocumentCounter : public YAML::EventHandler
{
public:
    static constexpr int kMaxDocuments = 8;
    int documents = 0;
    void OnDocumentStart(const YAML::Mark&) override { ++documents; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override
    {
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override
    {
    }
    void OnMapEnd() override {}
};

// Documents in the stream: kMaxDocuments when it has that many or does not end.
int count_yaml_documents(const std::string& text)
{
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    int calls = 0;
    while (calls < DocumentCounter::kMaxDocuments && parser.HandleNextDocument(counter))
        ++calls;
    return std::max(calls, counter.documents);
}

// Levenshtein distance, for "did you mean" hints on misspelt keys.
size_t edit_distance(const std::string& a, const std::string& b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1]) });
            diag = up;
        }
    }
    return row[b.size()];
}

std::string describe(const YAML::Node& n)
{
    if (!n.IsDefined() || n.IsNull())
        return "null";
    if (n.IsScalar())
        return "'" + n.Scalar() + "'";
    if (n.IsSequence())
        return "a list";
    return "a mapping";
}

// One mapping of the config. Reads are recorded; finish() rejects every key that was not
// read, so a misspelt key is an error instead of a silently ignored setting.
class Section
{
public:
    Section(const std::string& origin, const std::string& path, const YAML::Node& node)
        : m_origin(origin), m_path(path), m_node(node)
    {
        if (m_node.IsDefined() && !m_node.IsNull() && !m_node.IsMap())
            fail(m_path, "expected a mapping, got " + describe(m_node));
    }

    [[noreturn]] void fail(const std::string& key, const std::string& what) const
    {
        throw ConfigError(m_origin + ": " + key + ": " + what);
    }

    std::string key_path(const std::string& key) const
    {
        return m_path.empty() ? key : m_path + "." + key;
    }

    bool present() const { return m_node.IsDefined() && !m_node.IsNull(); }

    bool has(const std::string& key)
    {
        m_read.insert(key);
        if (!present())
            return false;
        auto v = m_node[key];
        return v.IsDefined() && !v.IsNull();
    }

    YAML::Node get(const std::string& key)
    {
        m_read.insert(key);
        return present() ? m_node[key] : YAML::Node();
    }

    Section sub(const std::string& key) { return Section(m_origin, key_path(key), get(key)); }

    std::string str(const std::string& key, const std::string& def)
    {
        auto v = get(key);
        if (!v.IsDefined() || v.IsNull())
            return def;
        if (!v.IsScalar())
            fail(key_path(key), "expected a string, got " + describe(v));
        return v.Scalar();
    }

    std::string choice(const std::string& key,
                       const std::string& def,
                       const std::vector<std::string>& allowed)
    {
        std::string s = str(key, def);
        if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            fail(key_path(key), "'" + s + "' is not one of: " + list);
        }
        return s;
    }

    double num(const std::string& key, double def, double lo, double hi, bool lo_open = false)
    {
        auto v = get(key);
        if (!v.IsDefined() || v.IsNull())
            return def;
        double x;
        if (!v.IsScalar() || !YAML::convert<double>::decode(v, x) || !std::isfinite(x))
            fail(key_path(key), "expected a number, got " + describe(v));
        if (x < lo || x > hi || (lo_open && x == lo)) {
            std::ostringstream os;
            os << v.Scalar() << " is out of range (" << (lo_open ? "> " : ">= ") << lo;
            if (hi < 1e300)
                os << " and <= " << hi;
            os << ")";
            fail(key_path(key), os.str());
        }
        return x;
    }

    long long integer(const std::string& key, long long def, long long lo, long long hi)
    {
        auto v = get(key);
        if (!v.IsDefined() || v.IsNull())
            return def;
        long long x;
        if (!v.IsScalar() || !YAML::convert<long long>::decode(v, x))
            fail(key_path(key), "expected an integer, got " + describe(v));
        if (x < lo || x > hi)
            fail(key_path(key), v.Scalar() + " is out of range (" + std::to_string(lo) + ".." +
                                    std::to_string(hi) + ")");
        return x;
    }

    bool flag(const std::string& key, bool def)
    {
        auto v = get(key);
        if (!v.IsDefined() || v.IsNull())
            return def;
        bool b;
        if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
            fail(key_path(key), "expected true or false, got " + describe(v));
        return b;
    }

    void finish() const
    {
        if (!present())
            return;
        for (auto it = m_node.begin(); it != m_node.end(); ++it) {
            std::string k = it->first.Scalar();
            if (m_read.count(k))
                continue;
            std::string hint;
            size_t best = 3;
            for (const auto& known : m_read) {
                size_t d = edit_distance(k, known);
                if (d < best) {
                    best = d;
                    hint = " (did you mean '" + known + "'?)";
                }
            }
            std::string known_list;
            for (const auto& known : m_read)
                known_list += (known_list.empty() ? "" : ", ") + known;
            fail(key_path(k), "unknown key" + hint + "; known keys here: " + known_list);
        }
    }

private:
    std::string m_origin, m_path;
    YAML::Node m_node;
    std::set<std::string> m_read;
};

std::string resolve(const std::string& base_dir, const std::string& p)
{
    if (p.empty() || p[0] == '/' || base_dir.empty())
        return p;
    return base_dir + "/" + p;
}

bool file_exists(const std::string& p)
{
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string parent_dir(const std::string& p)
{
    auto slash = p.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : p.substr(0, slash);
}

bool dir_exists(const std::string& p)
{
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

constexpr size_t kMaxSecretBytes = 4096;

// Reads a whole regular file of at most max_bytes. A FIFO, device (/dev/zero), directory
// or socket is refused before it is opened (and again after, on the open descriptor, in
// case the path was swapped in between): reading one could block the daemon or never end.
// `what` starts every message ("config file", "control.token_file:").
std::string read_regular_file(const std::string& what, const std::string& path, size_t max_bytes,
                              struct stat* st_out = nullptr)
{
    auto fail = [&](const std::string& why) { throw ConfigError(what + " '" + path + "' " + why); };
    auto check = [&](const struct stat& st) {
        if (S_ISDIR(st.st_mode))
            fail("is a directory, not a file");
        if (!S_ISREG(st.st_mode))
            fail(std::string("is not a regular file (") +
                 (S_ISFIFO(st.st_mode)   ? "a FIFO"
                  : S_ISCHR(st.st_mode)  ? "a character device"
                  : S_ISBLK(st.st_mode)  ? "a block device"
                  : S_ISSOCK(st.st_mode) ? "a socket"
                                         : "not a file") +
                 ")");
        if (static_cast<unsigned long long>(st.st_size) > max_bytes)
            fail("has " + std::to_string(static_cast<long long>(st.st_size)) +
                 " bytes, more than the limit of " + std::to_string(max_bytes));
    };
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        fail(errno == ENOENT ? "does not exist" : std::string("cannot be read: ") + std::strerror(errno));
    check(st);
    // O_NONBLOCK: should a FIFO have been swapped in, open() does not wait for a writer.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        fail(std::string("cannot be read: ") + std::strerror(errno));
    std::string text;
    try {
        if (::fstat(fd, &st) != 0)
            fail(std::string("cannot be read: ") + std::strerror(errno));
        check(st);
        text.resize(max_bytes + 1);
        size_t got = 0;
        while (got < text.size()) {
            ssize_t n = ::read(fd, &text[got], text.size() - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                fail(std::string("cannot be read: ") + std::strerror(errno));
            if (n == 0)
                break;
            got += static_cast<size_t>(n);
        }
        if (got > max_bytes)
            fail("grew beyond the limit of " + std::to_string(max_bytes) + " bytes while read");
        text.resize(got);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    if (st_out)
        *st_out = st;
    return text;
}

std::string read_secret(const std::string& key, const std::string& path)
{
    struct stat st;
    std::string s = read_regular_file(key + ":", path, kMaxSecretBytes, &st);
    // Again on what was read (the path may have been replaced since it was checked).
    check_private_stat(key, path, st);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    return s;
}

void check_token(const std::string& key, const std::string& token)
{
    if (token.size() < 16)
        throw ConfigError(key + ": the token must have at least 16 characters");
    for (char c : token)
        if (c <= ' ' || c > '~')
            throw ConfigError(key + ": the token must be printable ASCII without spaces");
}

std::optional<Endpoint> optional_endpoint(Section& s, const std::string& key)
{
    if (!s.has(key))
        return std::nullopt;
    return parse_endpoint(s.key_path(key), s.str(key, ""));
}

dualsat::RollOff parse_rolloff(Section& s, const std::string& key)
{
    double r = s.num(key, 0.20, 0.0, 1.0);
    if (std::abs(r - 0.35) < 1e-9)
        return dualsat::RollOff::R035;
    if (std::abs(r - 0.25) < 1e-9)
        return dualsat::RollOff::R025;
    if (std::abs(r - 0.20) < 1e-9)
        return dualsat::RollOff::R020;
    s.fail(s.key_path(key), std::to_string(r) + " is not a DVB-S2 roll-off (0.35, 0.25 or 0.20)");
}

void parse_modem(Section s, ModemConfig& m)
{
    m.profile = s.choice("profile", "civil", { "civil", "protected" });
    m.chain = s.choice("chain", "tx_bc", { "auto", "tx_bc", "stages" });
    if (m.chain == "stages")
        s.fail(s.key_path("chain"),
               "'stages' (the per-stage transmitter, rebuilt on every MODCOD change) was "
               "removed: tx_bc changes the MODCOD hitlessly; use tx_bc (or auto)");
    m.stream = s.choice("stream", "gse", { "gse", "ts" }) == "ts" ? StreamInput::Ts
                                                               : StreamInput::Gse;
    std::string modcod = s.str("modcod", "QPSK 1/2");
    std::string frame = s.str("frame", "normal");
    try {
        m.format.modcod = dualsat::parse_modcod(modcod);
    } catch (const dualsat::Error& e) {
        s.fail(s.key_path("modcod"), "'" + modcod + "' is not a DVB-S2 MODCOD (" + e.what() + ")");
    }
    try {
        m.format.frame = dualsat::parse_frame_size(frame);
    } catch (const dualsat::Error&) {
        s.fail(s.key_path("frame"), "'" + frame + "' is not one of: normal, short");
    }
    if (!dualsat::code_exists(m.format.frame, m.format.modcod.rate))
        s.fail(s.key_path("modcod"), "'" + modcod + "' does not exist with " + frame +
                                         " frames (EN 302 307-1 Table 5b has no short 9/10)");
    m.format.pilots = s.flag("pilots", true);
    m.rolloff = parse_rolloff(s, "rolloff");
    m.symbol_rate = s.num("symbol_rate", 1e6, 1e3, 500e6);
    m.gold_code = static_cast<int>(s.integer("gold_code", 0, 0, 262141));
    m.rx_fec_threads = static_cast<int>(s.integer("rx_fec_threads", 1, 1, 16));
    const std::string scheduling = s.str("scheduling", "batch");
    if (scheduling == "batch" || scheduling == "normal")
        m.batch_scheduling = scheduling == "batch";
    else
        s.fail(s.key_path("scheduling"), "'" + scheduling + "' is not one of: batch, normal");
    s.finish();
}

void parse_uhd_channel(Section s, UhdChannelConfig& c)
{
    c.present = s.present();
    c.freq = s.num("freq", 0, 0, 1e11);
    if (c.present && !s.has("freq"))
        s.fail(s.key_path("freq"), "missing (the centre frequency in Hz)");
    c.gain = s.num("gain", 0, -50, 200);
    c.antenna = s.str("antenna", "");
    c.lo_offset = s.num("lo_offset", 0, -1e9, 1e9);
    c.bandwidth = s.num("bandwidth", 0, 0, 1e10);
    s.finish();
}

void parse_radio(Section s, RadioConfig& r, const std::string& base_dir)
{
    std::string backend = s.choice("backend", "loopback", { "loopback", "uhd", "file", "zmq" });
    r.backend = backend == "uhd"    ? Backend::Uhd
                : backend == "file" ? Backend::File
                : backend == "zmq"  ? Backend::Zmq
                                    : Backend::Loopback;
    std::string dir = s.choice("direction", r.backend == Backend::Loopback ? "both" : "tx",
                               { "tx", "rx", "both" });
    r.direction = dir == "tx" ? Direction::Tx : dir == "rx" ? Direction::Rx : Direction::Both;
    r.sample_rate = s.num("sample_rate", 2e6, 0, 1e10, true);
    r.tx_rms = s.num("tx_rms", 0.3, 0, 1, true);

    Section u = s.sub("uhd");
    Section f = s.sub("file");
    Section z = s.sub("zmq");
    auto only_for = [&](Section& sec, Backend b, const char* name) {
        if (sec.present() && r.backend != b)
            s.fail(s.key_path(name), "section given but radio.backend is '" + backend + "'");
    };
    only_for(u, Backend::Uhd, "uhd");
    only_for(f, Backend::File, "file");
    only_for(z, Backend::Zmq, "zmq");

    r.uhd.args = u.str("args", "");
    r.uhd.clock_source = u.choice("clock_source", "", { "", "internal", "external", "gpsdo", "mimo" });
    r.uhd.time_source = u.choice("time_source", "", { "", "internal", "external", "gpsdo", "mimo" });
    r.uhd.subdev = u.str("subdev", "");
    parse_uhd_channel(u.sub("tx"), r.uhd.tx);
    parse_uhd_channel(u.sub("rx"), r.uhd.rx);
    u.finish();

    r.file.tx_path = resolve(base_dir, f.str("tx_path", ""));
    r.file.rx_path = resolve(base_dir, f.str("rx_path", ""));
    r.file.throttle = f.flag("throttle", true);
    r.file.repeat = f.flag("repeat", false);
    r.file.description = f.str("description", "");
    f.finish();

    r.zmq.pattern = z.choice("pattern", "pushpull", { "pushpull", "pubsub" }) == "pubsub"
                        ? ZmqPattern::PubSub
                        : ZmqPattern::PushPull;
    r.zmq.tx_address = z.str("tx_address", "");
    r.zmq.rx_address = z.str("rx_address", "");
    r.zmq.timeout_ms = static_cast<int>(z.integer("timeout_ms", 100, 1, 60000));
    r.zmq.hwm = static_cast<int>(z.integer("hwm", -1, -1, 1 << 30));
    r.zmq.throttle = z.flag("throttle", true);
    z.finish();

    const bool tx = r.direction != Direction::Rx, rx = r.direction != Direction::Tx;
    switch (r.backend) {
    case Backend::Loopback:
        if (r.direction != Direction::Both)
            s.fail(s.key_path("direction"), "'" + dir + "': the loopback backend is always 'both'");
        break;
    case Backend::Uhd:
        if (tx && !r.uhd.tx.present)
            s.fail(s.key_path("uhd.tx"), "missing (radio.direction '" + dir + "' transmits)");
        if (rx && !r.uhd.rx.present)
            s.fail(s.key_path("uhd.rx"), "missing (radio.direction '" + dir + "' receives)");
        break;
    case Backend::File:
        if (r.direction == Direction::Both)
            s.fail(s.key_path("direction"),
                   "'both' is not possible with files: record (tx) or replay (rx)");
        if (tx) {
            if (r.file.tx_path.empty())
                s.fail(s.key_path("file.tx_path"), "missing (radio.direction is 'tx')");
            if (!dir_exists(parent_dir(r.file.tx_path)))
                s.fail(s.key_path("file.tx_path"), "directory of '" + r.file.tx_path +
                                                       "' does not exist");
        }
        if (rx) {
            if (r.file.rx_path.empty())
                s.fail(s.key_path("file.rx_path"), "missing (radio.direction is 'rx')");
            if (!file_exists(r.file.rx_path))
                s.fail(s.key_path("file.rx_path"), "file '" + r.file.rx_path + "' does not exist");
        }
        break;
    case Backend::Zmq:
        if (tx && r.zmq.tx_address.empty())
            s.fail(s.key_path("zmq.tx_address"), "missing (radio.direction is 'tx')");
        if (rx && r.zmq.rx_address.empty())
            s.fail(s.key_path("zmq.rx_address"), "missing (radio.direction is 'rx')");
        for (const auto* a : { &r.zmq.tx_address, &r.zmq.rx_address })
            if (!a->empty() && a->rfind("tcp://", 0) != 0 && a->rfind("ipc://", 0) != 0 &&
                a->rfind("inproc://", 0) != 0)
                s.fail(s.key_path(a == &r.zmq.tx_address ? "zmq.tx_address" : "zmq.rx_address"),
                       "'" + *a + "' is not a ZeroMQ address (tcp://host:port or ipc://path)");
        break;
    }
    s.finish();
}

// An Es/N0 trace: lines "time_s,esn0_db" ('#' comments, an optional header line), times
// increasing from >= 0.
std::vector<std::pair<double, double>> read_esn0_trace(const std::string& key, const std::string& path)
{
    const std::string text = read_regular_file(key + ":", path, kMaxConfigBytes);
    std::vector<std::pair<double, double>> points;
    std::istringstream in(text);
    std::string line;
    int line_no = 0;
    bool header_seen = false;
    auto fail = [&](const std::string& why) {
        throw ConfigError(key + ": '" + path + "' line " + std::to_string(line_no) + ": " + why);
    };
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#')
            continue;
        const auto comma = line.find(',');
        if (comma == std::string::npos)
            fail("expected time_s,esn0_db");
        const std::string a = line.substr(0, comma), b = line.substr(comma + 1);
        char* end_a = nullptr;
        char* end_b = nullptr;
        const double t = std::strtod(a.c_str(), &end_a);
        const double e = std::strtod(b.c_str(), &end_b);
        auto rest_blank = [](const char* p) {
            while (*p == ' ' || *p == '\t')
                ++p;
            return *p == '\0';
        };
        const bool numeric = end_a != a.c_str() && rest_blank(end_a) && end_b != b.c_str() && rest_blank(end_b);
        if (!numeric) {
            if (points.empty() && !header_seen) {
                header_seen = true; // "time_s,esn0_db"
                continue;
            }
            fail("expected two numbers");
        }
        if (!std::isfinite(t) || !std::isfinite(e) || t < 0 || t > 1e7)
            fail("time must be 0..1e7 s and both values finite");
        if (e < -20 || e > 100)
            fail("esn0_db out of range (-20..100)");
        if (!points.empty() && t <= points.back().first)
            fail("times must increase");
        if (points.size() >= 100000)
            fail("more than 100000 points");
        points.emplace_back(t, e);
    }
    if (points.empty())
        throw ConfigError(key + ": '" + path + "' has no points");
    return points;
}

void parse_channel(Section s, ChannelConfig& c, const RadioConfig& radio, const std::string& base_dir)
{
    c.present = s.present();
    if (c.present && radio.backend != Backend::Loopback && radio.backend != Backend::Zmq)
        s.fail("channel", "section only applies to radio.backend 'loopback' or 'zmq'");
    if (c.present && radio.backend == Backend::Zmq && radio.direction == Direction::Tx)
        s.fail("channel", "with zmq the channel acts on the received samples, but radio.direction is 'tx'");
    c.enabled = s.flag("enabled", true);
    c.esn0_db = s.num("esn0_db", 20.0, -20.0, 100.0);
    c.cfo_hz = s.num("cfo_hz", 0.0, -1e9, 1e9);
    c.timing_offset = s.num("timing_offset", 1.0, 0.9, 1.1);
    c.seed = static_cast<uint32_t>(s.integer("seed", 0, 0, 0x7fffffff));
    if (s.has("esn0_trace")) {
        c.trace_path = resolve(base_dir, s.str("esn0_trace", ""));
        c.trace = read_esn0_trace(s.key_path("esn0_trace"), c.trace_path);
    }
    c.trace_loop = s.flag("trace_loop", false);
    Section j = s.sub("jammer");
    if (j.present()) {
        if (radio.backend != Backend::Loopback)
            s.fail(s.key_path("jammer"), "only with radio.backend 'loopback' (a lab seam)");
        auto& m = c.jammer;
        m.present = true;
        m.kind = j.choice("kind", "partial", { "cw", "broadband", "partial", "pulsed", "swept" });
        m.js_db = j.num("js_db", 20.0, -50.0, 60.0);
        const double half = radio.sample_rate / 2;
        m.cw_offset_hz = j.num("cw_offset_hz", 0.0, -half, half);
        m.band_low_hz = j.num("band_low_hz", -half, -half, half);
        m.band_fraction = j.num("band_fraction", 0.25, 0.0, 1.0, true);
        if (m.band_low_hz + m.band_fraction * radio.sample_rate > half * (1 + 1e-9))
            j.fail(j.key_path("band_fraction"), "the band from band_low_hz runs past the sample band's "
                                                "upper edge (radio.sample_rate / 2)");
        m.duty = j.num("duty", 0.1, 0.0, 1.0, true);
        m.period_s = j.num("period_s", 1e-3, 0.0, 3600.0, true);
        m.sweep_low_hz = j.num("sweep_low_hz", -half, -half, half);
        m.sweep_high_hz = j.num("sweep_high_hz", half, -half, half);
        m.seed = static_cast<uint64_t>(j.integer("seed", 1, 1, 0x7fffffff));
        j.finish();
    }
    s.finish();
}

dualsat::ModCod parse_modcod_key(Section& s, const std::string& key, const std::string& text)
{
    try {
        return dualsat::parse_modcod(text);
    } catch (const dualsat::Error& e) {
        s.fail(key, "'" + text + "' is not a DVB-S2 MODCOD (" + e.what() + ")");
    }
}

void parse_acm(Section s, AcmConfig& a, const Config& c, const std::string& base_dir)
{
    a.mode = s.choice("mode", "fixed", { "fixed", "acm" });
    a.link_id = static_cast<uint16_t>(s.integer("link_id", 0, 0, 65535));
    a.report_interval_s = s.num("report_interval_s", 0.25, 0.02, 60.0);
    auto& k = a.controller;
    k = dualsat::AcmConfig{};
    k.link_id = a.link_id;
    k.report_interval_s = a.report_interval_s;
    k.margin_db = s.num("margin_db", k.margin_db, 0.0, 20.0);
    k.hysteresis_db = s.num("hysteresis_db", k.hysteresis_db, 0.0, 10.0);
    k.step_up_hold_s = s.num("step_up_hold_s", k.step_up_hold_s, 0.0, 3600.0);
    k.report_timeout_s = s.num("report_timeout_s", k.report_timeout_s, 0.05, 3600.0);
    k.target_fer = s.num("target_fer", k.target_fer, 1e-9, 0.5);
    k.outer_loop = s.flag("outer_loop", k.outer_loop);
    k.predict_fades = s.flag("predict_fades", k.predict_fades);
    k.loop_delay_s = s.num("loop_delay_s", k.loop_delay_s, 0.0, 60.0);
    k.max_report_loss = s.num("max_report_loss", k.max_report_loss, 0.0, 1.0);
    const std::string min_name = s.str("min_modcod", "QPSK 1/4");
    const std::string max_name = s.str("max_modcod", "32APSK 9/10");
    k.min_modcod = dualsat::modcod_number(parse_modcod_key(s, s.key_path("min_modcod"), min_name));
    k.max_modcod = dualsat::modcod_number(parse_modcod_key(s, s.key_path("max_modcod"), max_name));
    if (k.min_modcod > k.max_modcod)
        s.fail(s.key_path("max_modcod"), "'" + max_name + "' is below acm.min_modcod '" + min_name +
                                             "' (Table 12 order)");
    {
        YAML::Node ex = s.get("exclude");
        if (ex.IsDefined() && !ex.IsNull()) {
            if (!ex.IsSequence())
                s.fail(s.key_path("exclude"), "expected a list of MODCOD or modulation names, got " + describe(ex));
            size_t i = 0;
            for (auto it = ex.begin(); it != ex.end(); ++it, ++i) {
                const std::string key = s.key_path("exclude") + "[" + std::to_string(i) + "]";
                if (!it->IsScalar())
                    s.fail(key, "expected a MODCOD (\"16APSK 9/10\") or a modulation (\"32APSK\")");
                const std::string name = it->Scalar();
                try {
                    k.excluded_modulations.push_back(dualsat::parse_modulation(name));
                    continue;
                } catch (const dualsat::Error&) {
                }
                k.excluded_modcods.push_back(dualsat::modcod_number(parse_modcod_key(s, key, name)));
            }
        }
    }
    const std::string frame = s.choice("frame", "normal", { "normal", "short" });
    k.frame = dualsat::parse_frame_size(frame);
    const std::string pilots = s.choice("pilots", "always", { "always", "never", "apsk_only" });
    k.pilots = pilots == "never"       ? dualsat::PilotsPolicy::Never
               : pilots == "apsk_only" ? dualsat::PilotsPolicy::ApskOnly
                                       : dualsat::PilotsPolicy::Always;
    const std::string fallback = s.str("fallback", "lowest");
    k.fallback_modcod =
        fallback == "lowest" ? 0 : dualsat::modcod_number(parse_modcod_key(s, s.key_path("fallback"), fallback));

    Section th = s.sub("thresholds");
    a.thresholds_source = th.choice("source", "table13", { "table13", "fer_sweep" });
    a.implementation_loss_db = th.num("implementation_loss_db", 0.5, -5.0, 20.0);
    a.short_frame_loss_db = th.num("short_frame_loss_db", 0.3, -5.0, 20.0);
    const std::string default_table =
#ifdef DUALSAT_QEF_CSV
        DUALSAT_QEF_CSV;
#else
        "";
#endif
    if (a.thresholds_source == "table13")
        a.thresholds_path = th.has("path") ? resolve(base_dir, th.str("path", "")) : default_table;
    else if (!th.has("path"))
        th.fail(th.key_path("path"), "missing (the CSV dualsat-fer-sweep wrote)");
    else
        a.thresholds_path = resolve(base_dir, th.str("path", ""));
    th.finish();

    // In-band by default where it can be and is wanted: a full-duplex modem in acm mode
    // (its far end is then ACM too, and needs our reports). A fixed-mode modem whose far
    // end runs ACM sets kind: inband itself.
    Section fb = s.sub("feedback");
    const std::string kind = fb.choice("kind", a.mode == "acm" && c.has_tx() && c.has_rx() ? "inband" : "none",
                                       { "inband", "udp", "none" });
    a.feedback = kind == "inband" ? AcmFeedback::InBand : kind == "udp" ? AcmFeedback::Udp : AcmFeedback::None;
    a.udp_listen = optional_endpoint(fb, "listen");
    a.udp_send_to = optional_endpoint(fb, "send_to");
    if (a.feedback == AcmFeedback::InBand && !(c.has_tx() && c.has_rx()))
        fb.fail(fb.key_path("kind"), "'inband' needs a transmitter and a receiver (radio.direction "
                                     "both): the reports ride on our own transmitter, theirs on the "
                                     "far end's");
    if (a.feedback == AcmFeedback::Udp && !a.udp_listen && !a.udp_send_to)
        fb.fail(fb.key_path("kind"), "'udp' needs acm.feedback.listen (reports in) and/or "
                                     "acm.feedback.send_to (our reports out)");
    if (a.feedback != AcmFeedback::Udp && (a.udp_listen || a.udp_send_to))
        fb.fail(fb.key_path(a.udp_listen ? "listen" : "send_to"),
                "only used with acm.feedback.kind 'udp' (kind is '" + kind + "')");
    if (a.udp_listen && a.udp_send_to &&
        (a.udp_listen->host.find(':') == std::string::npos) != (a.udp_send_to->host.find(':') == std::string::npos))
        fb.fail(fb.key_path("send_to"), "'" + a.udp_send_to->text() + "' and acm.feedback.listen '" +
                                            a.udp_listen->text() +
                                            "' must both be IPv4 or both IPv6 (one socket sends and receives)");
    if (a.udp_send_to && !c.has_rx())
        fb.fail(fb.key_path("send_to"), "this daemon has no receiver: it has no reports to send");
    if (a.udp_listen && !(a.mode == "acm"))
        fb.fail(fb.key_path("listen"), "reports in are for the controller, but acm.mode is 'fixed'");
    fb.finish();

    if (a.mode == "acm") {
        if (!c.has_tx())
            s.fail(s.key_path("mode"), "'acm' drives our transmitter, but radio.direction is 'rx'");
        if (c.modem.stream != StreamInput::Gse)
            s.fail(s.key_path("mode"), "'acm' needs modem.stream 'gse' (TS has no MODCOD signalling "
                                       "per frame in this modem: use gse)");
        const std::string key = th.key_path("path");
        if (a.thresholds_path.empty())
            s.fail(key, "missing (no built-in Table 13 path in this build)");
        try {
            // Read like the config itself: a FIFO or device is refused, not waited on.
            std::istringstream table(read_regular_file(key + ":", a.thresholds_path, kMaxConfigBytes));
            a.thresholds = a.thresholds_source == "table13"
                               ? dualsat::AcmThresholds::from_qef_csv(table, a.implementation_loss_db,
                                                                      a.short_frame_loss_db)
                               : dualsat::AcmThresholds::from_fer_sweep_csv(table, k.target_fer,
                                                                            a.implementation_loss_db);
        } catch (const ConfigError& e) {
            s.fail(key, e.what());
        }
        try {
            dualsat::AcmController probe(k, *a.thresholds); // an empty ladder, a bad fallback
        } catch (const ConfigError& e) {
            const std::string what = e.what();
            s.fail(s.key_path(what.find("fallback") != std::string::npos ? "fallback" : "min_modcod"),
                   what + " (allowed set: acm.min_modcod, max_modcod, exclude, frame)");
        }
    }
    s.finish();
}

void parse_data(Section s, DataConfig& d)
{
    Section ip = s.sub("ip");
    d.ip_listen = optional_endpoint(ip, "listen");
    d.ip_forward = optional_endpoint(ip, "forward");
    std::string et = ip.str("ethertype", "auto");
    if (et != "auto") {
        char* end = nullptr;
        unsigned long v = std::strtoul(et.c_str(), &end, 0);
        if (et.empty() || *end != '\0' || v < dualsat::kGseMinEtherType || v > 0xFFFF)
            ip.fail(ip.key_path("ethertype"),
                    "'" + et + "' is not 'auto' or an EtherType 0x0600..0xFFFF");
        d.ethertype = static_cast<uint16_t>(v);
        if (d.ethertype == kAcmReportEtherType)
            ip.fail(ip.key_path("ethertype"),
                    "'" + et + "' is reserved for the in-band ACM link reports (IEEE 802 Local "
                    "Experimental EtherType 0x88B5): pick another");
    }
    d.tun = ip.str("tun", "");
    if (d.tun.size() > 15)
        ip.fail(ip.key_path("tun"), "'" + d.tun + "' is longer than 15 characters (IFNAMSIZ)");
    ip.finish();

    Section ts = s.sub("ts");
    d.ts_listen = optional_endpoint(ts, "listen");
    d.ts_forward = optional_endpoint(ts, "forward");
    d.ts_packets_per_datagram = static_cast<int>(ts.integer("packets_per_datagram", 7, 1, 348));
    d.ts_flush_timeout = ts.num("flush_timeout", 0.01, 0.001, 10.0);
    ts.finish();

    d.queue_bytes = static_cast<size_t>(s.integer("queue_bytes", 4 << 20, 4096, 1ll << 32));
    d.drain_timeout = s.num("drain_timeout", 0.5, 0.0, 60.0);
    Section tp = s.sub("test_pattern");
    d.test_pattern = tp.flag("enabled", false);
    tp.finish();
    s.finish();
}

void parse_control(Section s, ControlConfig& c, const std::string& base_dir, bool file_private)
{
    c.enabled = s.flag("enabled", true);
    c.bind = s.str("bind", "127.0.0.1");
    in6_addr a6;
    in_addr a4;
    if (c.bind != "localhost" && inet_pton(AF_INET, c.bind.c_str(), &a4) != 1 &&
        inet_pton(AF_INET6, c.bind.c_str(), &a6) != 1)
        s.fail(s.key_path("bind"), "'" + c.bind + "' is not an IPv4/IPv6 address");
    c.port = static_cast<uint16_t>(s.integer("port", 8080, 0, 65535));
    c.max_connections = static_cast<int>(s.integer("max_connections", 64, 1, 4096));
    const bool inline_token = s.has("token");
    const bool file_token = s.has("token_file");
    if (inline_token && file_token)
        s.fail(s.key_path("token"), "give either control.token or control.token_file, not both");
    if (inline_token) {
        if (!file_private)
            s.fail(s.key_path("token"),
                   "an inline token needs a config file that group/others cannot read "
                   "(chmod 600 it), or use control.token_file");
        c.token = s.str("token", "");
        c.token_origin = s.key_path("token");
        check_token(c.token_origin, c.token);
    } else if (file_token) {
        std::string path = resolve(base_dir, s.str("token_file", ""));
        std::string key = s.key_path("token_file");
        check_private_file(key, path);
        c.token = read_secret(key + " '" + path + "'", path);
        c.token_origin = key + " '" + path + "'";
        check_token(c.token_origin, c.token);
    }
    if (s.has("read_token_file")) {
        std::string path = resolve(base_dir, s.str("read_token_file", ""));
        std::string key = s.key_path("read_token_file");
        if (c.token.empty())
            s.fail(key, "a read-only token needs control.token or control.token_file (without "
                        "a token every client may change everything anyway)");
        check_private_file(key, path);
        c.read_token = read_secret(key + " '" + path + "'", path);
        check_token(key + " '" + path + "'", c.read_token);
        if (c.read_token == c.token)
            s.fail(key, "the read-only token must differ from the token");
    }
    if (c.enabled && !is_loopback_address(c.bind) && c.token.empty())
        s.fail(s.key_path("bind"),
               "'" + c.bind + "' is not a loopback address: a bearer token is required "
               "(set control.token_file)");
    s.finish();
}

// yaml-cpp keeps every pair of a mapping, but a lookup finds only the first of two equal
// keys: the second would be silently ignored. Refuse them, at any depth. The walk is
// bounded (aliases can make a small text a huge tree).
constexpr size_t kMaxYamlNodes = 100000;
constexpr int kMaxYamlDepth = 64;

void check_unique_keys(const std::string& origin, const std::string& path, const YAML::Node& n,
                       int depth, size_t& budget)
{
    if (depth > kMaxYamlDepth)
        throw ConfigError(origin + ": " + (path.empty() ? std::string("(top)") : path) +
                          ": nested more than " + std::to_string(kMaxYamlDepth) + " levels");
    if (budget == 0)
        throw ConfigError(origin + ": more than " + std::to_string(kMaxYamlNodes) +
                          " YAML nodes (aliases expanding?)");
    --budget;
    if (n.IsMap()) {
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
            const std::string key_path = path.empty() ? key : path + "." + key;
            if (!seen.insert(key).second)
                throw ConfigError(origin + ": " + key_path +
                                  ": duplicate key (given twice in the same mapping)");
            check_unique_keys(origin, key_path, it->second, depth + 1, budget);
        }
    } else if (n.IsSequence()) {
        size_t i = 0;
        for (auto it = n.begin(); it != n.end(); ++it, ++i)
            check_unique_keys(origin, path + "[" + std::to_string(i) + "]", *it, depth + 1, budget);
    }
}

// Binary form of an address literal (the config validated it): 4 or 16 bytes.
std::string address_bytes(const std::string& host)
{
    in_addr a4;
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1)
        return std::string(reinterpret_cast<const char*>(&a4), sizeof a4);
    in6_addr a6;
    if (inet_pton(AF_INET6, host.c_str(), &a6) == 1)
        return std::string(reinterpret_cast<const char*>(&a6), sizeof a6);
    return host;
}

// True if datagrams sent to `to` would arrive on the socket bound to `bound`: the same
// address and port, or a wildcard bind (0.0.0.0, ::) and a loopback or wildcard
// destination of the same port. Port 0 (ephemeral) never matches.
bool reaches(const Endpoint& to, const Endpoint& bound)
{
    if (bound.port == 0 || to.port != bound.port)
        return false;
    const std::string t = address_bytes(to.host), b = address_bytes(bound.host);
    if (t == b)
        return true;
    auto wildcard = [](const std::string& a) { return a.find_first_not_of('\0') == std::string::npos; };
    return wildcard(b) && t.size() == b.size() && (wildcard(t) || is_loopback_address(to.host));
}

} // namespace

std::string Endpoint::text() const
{
    if (host.find(':') != std::string::npos)
        return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

Endpoint parse_endpoint(const std::string& key, const std::string& text)
{
    // inet_pton and strtol read C strings: a NUL inside the YAML string cut the address or
    // port short and the rest was silently ignored (found by fuzz_config).
    if (std::any_of(text.begin(), text.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        }))
        throw ConfigError(key + ": the address holds a NUL or control character");
    Endpoint e;
    std::string port;
    if (!text.empty() && text[0] == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw ConfigError(key + ": '" + text + "' is not [address]:port");
        e.host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw ConfigError(key + ": '" + text + "' is not host:port");
        e.host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 0 || p > 65535)
        throw ConfigError(key + ": '" + text + "' has no valid port (0..65535)");
    in_addr a4;
    in6_addr a6;
    if (e.host == "localhost")
        e.host = "127.0.0.1";
    if (inet_pton(AF_INET, e.host.c_str(), &a4) != 1 && inet_pton(AF_INET6, e.host.c_str(), &a6) != 1)
        throw ConfigError(key + ": '" + e.host + "' is not an IPv4/IPv6 address");
    e.port = static_cast<uint16_t>(p);
    return e;
}

bool is_loopback_address(const std::string& host)
{
    if (host == "localhost")
        return true;
    in_addr a4;
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    in6_addr a6;
    if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        if (IN6_IS_ADDR_V4MAPPED(&a6))
            return a6.s6_addr[12] == 127;
    }
    return false;
}

std::string to_string(Backend b)
{
    switch (b) {
    case Backend::Loopback:
        return "loopback";
    case Backend::Uhd:
        return "uhd";
    case Backend::File:
        return "file";
    case Backend::Zmq:
        return "zmq";
    }
    return "?";
}

std::string to_string(Direction d)
{
    return d == Direction::Tx ? "tx" : d == Direction::Rx ? "rx" : "both";
}

std::string to_string(StreamInput s) { return s == StreamInput::Ts ? "ts" : "gse"; }

std::string to_string(AcmFeedback f)
{
    return f == AcmFeedback::InBand ? "inband" : f == AcmFeedback::Udp ? "udp" : "none";
}

bool AcmConfig::same_controller_settings(const AcmConfig& o) const
{
    const dualsat::AcmConfig &x = controller, &y = o.controller;
    return x.link_id == y.link_id && x.min_modcod == y.min_modcod && x.max_modcod == y.max_modcod &&
           x.excluded_modcods == y.excluded_modcods && x.excluded_modulations == y.excluded_modulations &&
           x.frame == y.frame && x.pilots == y.pilots && x.fallback_modcod == y.fallback_modcod &&
           x.margin_db == y.margin_db && x.hysteresis_db == y.hysteresis_db &&
           x.step_up_hold_s == y.step_up_hold_s && x.predict_fades == y.predict_fades &&
           x.loop_delay_s == y.loop_delay_s && x.report_interval_s == y.report_interval_s &&
           x.outer_loop == y.outer_loop && x.target_fer == y.target_fer &&
           x.report_timeout_s == y.report_timeout_s && x.max_report_loss == y.max_report_loss &&
           thresholds_source == o.thresholds_source && thresholds_path == o.thresholds_path &&
           implementation_loss_db == o.implementation_loss_db &&
           short_frame_loss_db == o.short_frame_loss_db;
}

void check_private_file(const std::string& key, const std::string& path)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw ConfigError(key + ": file '" + path + "' does not exist");
    check_private_stat(key, path, st);
}

void check_private_stat(const std::string& key, const std::string& path, const struct stat& st)
{
    if (!S_ISREG(st.st_mode))
        throw ConfigError(key + ": '" + path + "' is not a regular file");
    // Owned by someone else, the file could be changed (or made readable) by them.
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        throw ConfigError(key + ": '" + path + "' is owned by uid " + std::to_string(st.st_uid) +
                          ": it must belong to the daemon's user (uid " + std::to_string(::geteuid()) +
                          ") or root");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw ConfigError(key + ": '" + path + "' has mode " + mode +
                          ": group/others may access it; run chmod 600 on it");
    }
}

// keys, comsec, transec: only with modem.profile protected, and then keys is required.
void parse_protect(Section& top, Config& c, const std::string& base_dir)
{
    ProtectConfig& p = c.protect;
    p.enabled = c.modem.profile == "protected";
    Section k = top.sub("keys");
    Section cs = top.sub("comsec");
    Section ts = top.sub("transec");
    if (!p.enabled) {
        for (const char* name : { "keys", "comsec", "transec" })
            if (top.sub(name).present())
                top.fail(name, "section given but modem.profile is 'civil' (set modem.profile: protected)");
        return;
    }
    if (!k.present())
        top.fail("keys", "missing: modem.profile 'protected' needs the key file (keys.file)");
    if (!k.has("file"))
        k.fail(k.key_path("file"), "missing (the link's key file, dualsat-keygen makes one)");
    p.key_file = resolve(base_dir, k.str("file", ""));
    // The same checks the block makes when it loads the key (mode, owner, regular file),
    // here so that --check and a SIGHUP refuse a key file nobody could use.
    check_private_file(k.key_path("file"), p.key_file);
    p.link_id = static_cast<uint16_t>(k.integer("link_id", 0, 0, 65535));
    p.hub = k.choice("role", "hub", { "hub", "terminal" }) == "hub";
    p.utc_epochs = k.choice("epochs", "utc", { "utc", "command" }) == "utc";
    p.slot_seconds = k.integer("slot_seconds", 3600, 1, 365LL * 86400);
    p.overlap_seconds = k.integer("overlap_seconds", std::min<long long>(60, p.slot_seconds - 1), 0,
                                  p.slot_seconds - 1);
    p.initial_epoch = static_cast<uint32_t>(k.integer("initial_epoch", 0, 0, 0xFFFFFFFFLL));
    if (p.utc_epochs && k.has("initial_epoch"))
        k.fail(k.key_path("initial_epoch"), "only with epochs: command (UTC epochs follow the clock)");
    k.finish();

    p.comsec = cs.flag("enabled", true);
    p.nonce_state_file = resolve(base_dir, cs.str("nonce_state_file", ""));
    p.replay_window = static_cast<int>(cs.integer("replay_window", 1024, 1024, 1 << 20));
    if (p.comsec && c.has_tx()) {
        if (p.nonce_state_file.empty())
            cs.fail(cs.key_path("nonce_state_file"),
                    "missing: the file that keeps the AES-GCM nonce counter from ever "
                    "repeating, also across restarts (e.g. /var/lib/dualsat/link1.nonce)");
        if (!dir_exists(parent_dir(p.nonce_state_file)))
            cs.fail(cs.key_path("nonce_state_file"),
                    "'" + p.nonce_state_file + "': its directory does not exist");
    }
    cs.finish();

    p.transec = ts.flag("enabled", true);
    p.fixed_modcod = ts.flag("fixed_modcod", true);
    // Sequences that never repeat need frames of one length to be predicted: the default
    // with a fixed MODCOD; a link that changes format repeats them every 4 frames.
    p.pl_period = static_cast<int>(ts.integer("pl_period", p.fixed_modcod ? 0 : 4, 0, 65536));
    if (p.pl_period == 0 && !p.fixed_modcod)
        ts.fail(ts.key_path("pl_period"),
                "0 (keyed sequences that never repeat) needs fixed_modcod: true, since the receiver "
                "predicts frames of one length; with format changes set pl_period >= 1");
    // Loopback and file: both ends start with the stream. ZeroMQ and UHD: separate ends,
    // whose clocks must agree (NTP/GPS) to within a few frames.
    const bool same_stream = c.radio.backend == Backend::Loopback || c.radio.backend == Backend::File;
    p.pl_time_base = dualsat::parse_pl_time_base(
        ts.choice("time_base", same_stream ? "sample_counter" : "utc", { "sample_counter", "utc" }));
    p.pl_path_delay_s = ts.num("path_delay_s", 0.0, 0.0, 10.0);
    p.pl_search_window = static_cast<int>(ts.integer("search_window", 4, 1, 16));
    if (p.pl_period != 0)
        for (const char* key : { "time_base", "path_delay_s", "search_window" })
            if (ts.has(key))
                ts.fail(ts.key_path(key), "only with pl_period: 0 (sequences that never repeat)");
    ts.finish();
    if (!p.comsec && !p.transec)
        top.fail("comsec", "neither COMSEC nor TRANSEC enabled: that is the civil profile");
    if (p.fixed_modcod && c.acm.enabled())
        top.fail("transec.fixed_modcod",
                 "true, but acm.mode is 'acm', which changes the MODCOD with the link state: "
                 "set fixed_modcod: false to allow ACM (frame length and modulation order "
                 "then show the link state to an observer)");
}

// After hopping (which sets the modem's rate): codeword interleaving's default (on with
// hopping), and antijam.dsss against the rates: the spread stream carries exactly sf x
// samples_per_chip samples per PL symbol.
void finish_antijam(Section& s, Config& c, std::optional<bool> interleave)
{
    AntijamConfig& a = c.antijam;
    a.codeword_interleaving = interleave ? *interleave : a.hopping;
    if (!a.dsss)
        return;
    char msg[400];
    const double rate = c.modem_sample_rate();
    const double spread = c.modem.symbol_rate * a.sf * a.samples_per_chip;
    const bool hopped = a.hopping && a.mode == HopMode::Digital;
    if (std::abs(rate - spread) > 1e-9 * spread) {
        std::snprintf(msg, sizeof msg,
                      "%d chips x samples_per_chip %d x modem.symbol_rate %.15g = %.15g samples/s, but "
                      "%s is %.15g: the spread stream must run at exactly that rate (set "
                      "radio.sample_rate to %.15g%s, or change sf / samples_per_chip / modem.symbol_rate)",
                      a.sf, a.samples_per_chip, c.modem.symbol_rate, spread,
                      hopped ? "radio.sample_rate / antijam.hopping.interpolation" : "radio.sample_rate", rate,
                      hopped ? spread * a.interpolation : spread, hopped ? " with the hopping interpolation" : "");
        s.fail(s.key_path("dsss.sf"), msg);
    }
    // The acquisition searches frequency bins up to +-max_cfo cycles per chip (< 0.25).
    const double chip_rate = a.chip_rate(c.modem.symbol_rate);
    if (a.max_cfo_hz >= 0.25 * chip_rate) {
        std::snprintf(msg, sizeof msg, "%.15g Hz is a quarter of the chip rate (%.15g Hz) or more: the acquisition "
                      "searches less than +-chip rate / 4", a.max_cfo_hz, chip_rate);
        s.fail(s.key_path("dsss.max_cfo_hz"), msg);
    }
}

// antijam: keyed frequency hopping on the protected profile's keys. Everything the blocks
// would refuse at construction is refused here, naming the key.
void parse_antijam(Section s, Config& c)
{
    AntijamConfig& a = c.antijam;
    if (!s.present())
        return;
    if (!c.protect.enabled)
        s.fail("antijam", "section given but modem.profile is 'civil' (hopping uses the protected "
                          "profile's keys: set modem.profile: protected)");
    a.time_source = s.choice("time_source", "sample_counter", { "sample_counter", "uhd" });
    std::optional<bool> interleave;
    if (s.has("codeword_interleaving"))
        interleave = s.flag("codeword_interleaving", false);
    if (a.time_source == "uhd" && c.radio.backend != Backend::Uhd)
        s.fail(s.key_path("time_source"), "'uhd' needs radio.backend 'uhd' (the radio's clock)");
    Section d = s.sub("dsss");
    if (d.present()) {
        a.dsss = d.flag("enabled", true);
        a.sf = static_cast<int>(d.integer("sf", 64, 4, 1024));
        a.samples_per_chip = static_cast<int>(d.integer("samples_per_chip", 2, 2, 64));
        a.span_chips = static_cast<int>(d.integer("span_chips", 16, 2, 256));
        a.code_window_chips = d.num("code_window_chips", 64.0, 0.5, 65536.0);
        a.max_cfo_hz = d.num("max_cfo_hz", 0.0, 0.0, 1e9);
        a.acquisition_symbols = static_cast<int>(d.integer("acquisition_symbols", 64, 1, 4096));
        a.false_alarm_probability = d.num("false_alarm_probability", 1e-6, 0.0, 0.1, true);
        if (a.dsss) {
            if (a.samples_per_chip % 2 != 0)
                d.fail(d.key_path("samples_per_chip"), "must be even (the despreader's matched filter "
                                                       "decimates to 2 samples per chip)");
            if (a.span_chips % 2 != 0)
                d.fail(d.key_path("span_chips"), "must be even");
            // A shared time base: symbol k of the spreader starts at sample k x sf x
            // samples_per_chip of the stream both ends count from its first sample.
            if (c.radio.backend == Backend::Uhd)
                d.fail(d.key_path("enabled"), "DSSS needs the far end's symbol count: the loopback, file and "
                                              "zmq backends count from the stream's first sample; on a USRP the "
                                              "two ends' streams share no time base (timed streaming for DSSS is "
                                              "not done; nor DSSS with analog hopping, whose retunes start every "
                                              "dwell at an arbitrary carrier phase)");
            if (c.radio.backend == Backend::Zmq && c.radio.zmq.pattern == ZmqPattern::PubSub)
                d.fail(d.key_path("enabled"), "DSSS needs the stream from its first sample (symbol k starts at "
                                              "sample k x sf x samples_per_chip): radio.zmq.pattern 'pubsub' "
                                              "drops what is sent before the receiver subscribes; use pushpull");
        }
        d.finish();
    }
    Section h = s.sub("hopping");
    if (!h.present()) {
        s.finish();
        finish_antijam(s, c, interleave);
        return;
    }
    a.hopping = h.flag("enabled", true);
    if (!a.hopping) {
        // Off: the settings stay in the file for later, unchecked against the rates (the
        // modem then runs at radio.sample_rate), but a misspelt key is still an error.
        for (const char* k : { "mode", "channels", "channel_spacing_hz", "interpolation", "filter_semi_length",
                               "erase_jammed", "threshold_db", "settling_s", "lead_s", "dwell_symbols", "dwell_s",
                               "guard_s" })
            h.get(k);
        h.finish();
        s.finish();
        finish_antijam(s, c, interleave);
        return;
    }
    a.mode = h.choice("mode", "digital", { "digital", "analog" }) == "digital" ? HopMode::Digital : HopMode::Analog;
    const bool digital = a.mode == HopMode::Digital;
    a.channels = static_cast<int>(h.integer("channels", 8, 2, 4096));
    if (!h.has("channel_spacing_hz"))
        h.fail(h.key_path("channel_spacing_hz"), "missing (the distance between adjacent hop channels, Hz)");
    a.channel_spacing_hz = h.num("channel_spacing_hz", 0.0, 0.0, 1e10, true);
    a.interpolation = static_cast<int>(h.integer("interpolation", digital ? 8 : 1, 1, 256));
    a.filter_semi_length = static_cast<int>(h.integer("filter_semi_length", 8, 2, 64));
    a.erase_jammed = h.flag("erase_jammed", true);
    a.threshold_db = h.num("threshold_db", 3.0, 0.0, 60.0, true);
    a.settling_s = h.num("settling_s", 300e-6, 0.0, 1.0);
    a.lead_s = h.num("lead_s", 0.01, 0.0, 10.0, true);
    const double modem_rate = c.modem_sample_rate();
    const double rolloff = dualsat::rolloff_value(c.modem.rolloff);
    char msg[320];
    if (digital) {
        if (a.interpolation < 2)
            h.fail(h.key_path("interpolation"), "must be >= 2 for digital hopping (the hop band is "
                                                "interpolation x the modem's sample rate)");
        const double band = a.channels * a.channel_spacing_hz;
        if (band > c.radio.sample_rate * (1 + 1e-9)) {
            std::snprintf(msg, sizeof msg,
                          "%d channels x %.15g Hz = %.15g Hz do not fit radio.sample_rate %.15g Hz "
                          "(= the modem's %.15g x interpolation %d)",
                          a.channels, a.channel_spacing_hz, band, c.radio.sample_rate, modem_rate,
                          a.interpolation);
            h.fail(h.key_path("channel_spacing_hz"), msg);
        }
    } else {
        if (h.has("interpolation") && a.interpolation != 1)
            h.fail(h.key_path("interpolation"), "analog hopping retunes the radio: no interpolation (1)");
        a.interpolation = 1;
        if (c.radio.backend != Backend::Uhd)
            h.fail(h.key_path("mode"), "'analog' retunes a USRP: it needs radio.backend 'uhd' "
                                       "(use mode: digital with the other backends)");
    }
    // The signal's bandwidth: the symbol rate's, with DSSS the chip rate's.
    const double signal_rate = a.dsss ? a.chip_rate(c.modem.symbol_rate) : c.modem.symbol_rate;
    if (a.channel_spacing_hz < signal_rate * (1 + rolloff) * (1 - 1e-9)) {
        std::snprintf(msg, sizeof msg,
                      "%.15g Hz is narrower than the signal (%s x (1 + roll-off) = "
                      "%.15g Hz): adjacent channels would overlap",
                      a.channel_spacing_hz, a.dsss ? "the DSSS chip rate" : "modem.symbol_rate",
                      signal_rate * (1 + rolloff));
        h.fail(h.key_path("channel_spacing_hz"), msg);
    }
    // The dwell (slot, guard included) in symbols or seconds, at the modem's rate.
    if (h.has("dwell_symbols") == h.has("dwell_s"))
        h.fail(h.key_path("dwell_symbols"), "give exactly one of dwell_symbols and dwell_s (the slot "
                                            "length, its guard included)");
    double dwell_s;
    if (h.has("dwell_symbols"))
        dwell_s = static_cast<double>(h.integer("dwell_symbols", 0, 16, 100000000)) / c.modem.symbol_rate;
    else
        dwell_s = h.num("dwell_s", 0.0, 0.0, 3600.0, true);
    a.slot_samples = std::llround(dwell_s * modem_rate);
    const double min_guard_s = digital ? 2.0 * a.filter_semi_length / modem_rate : a.settling_s;
    const double guard_s = h.num("guard_s", min_guard_s, 0.0, 3600.0);
    a.guard_samples = std::llround(std::ceil(guard_s * modem_rate - 1e-6));
    if (digital && a.guard_samples < 2 * a.filter_semi_length) {
        std::snprintf(msg, sizeof msg,
                      "%.6g s is %lld samples at the modem's rate: the digital hopper's filters "
                      "need >= 2 x filter_semi_length = %d",
                      guard_s, static_cast<long long>(a.guard_samples), 2 * a.filter_semi_length);
        h.fail(h.key_path("guard_s"), msg);
    }
    if (!digital && guard_s < a.settling_s) {
        std::snprintf(msg, sizeof msg, "%.6g s is shorter than settling_s %.6g s (the radio retunes in the guard)",
                      guard_s, a.settling_s);
        h.fail(h.key_path("guard_s"), msg);
    }
    if (a.slot_samples < 16 || a.guard_samples * 2 > a.slot_samples) {
        std::snprintf(msg, sizeof msg,
                      "the dwell is %lld samples at the modem's rate and the guard %lld: the guard "
                      "may take at most half of it",
                      static_cast<long long>(a.slot_samples), static_cast<long long>(a.guard_samples));
        h.fail(h.key_path(h.has("dwell_s") ? "dwell_s" : "dwell_symbols"), msg);
    }
    h.finish();
    s.finish();
    if (digital && a.time_source == "uhd")
        s.fail(s.key_path("time_source"), "'uhd' is for analog hopping: digital hopping counts its slots "
                                          "from the stream's first sample (sample_counter)");
    if (!digital && a.time_source != "uhd")
        s.fail(s.key_path("time_source"), "analog hopping retunes on the radio's time: set 'uhd'");
    finish_antijam(s, c, interleave);
}

Config parse_config(const std::string& yaml_text,
                    const std::string& origin,
                    const std::string& base_dir,
                    bool config_file_private)
{
    YAML::Node root;
    try {
        // One document only: with YAML::Load a second one ("---" and more) would be
        // silently ignored, and an invalid value there would pass --check.
        const int docs = count_yaml_documents(yaml_text);
        if (docs >= DocumentCounter::kMaxDocuments)
            throw ConfigError(origin + ": not valid YAML: the document stream does not end "
                              "(a stray ',' or '---' at the top level?)");
        if (docs > 1)
            throw ConfigError(origin + ": " + std::to_string(docs) +
                              " YAML documents ('---'): a config is one document");
        if (docs == 1)
            root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(origin + ": not valid YAML: " + e.what());
    }
    size_t budget = kMaxYamlNodes;
    check_unique_keys(origin, "", root, 0, budget);
    Config c;
    try {
        Section top(origin, "", root);
        if (!top.present())
            throw ConfigError(origin + ": empty config (expected a mapping with a modem section)");
        parse_modem(top.sub("modem"), c.modem);
        parse_radio(top.sub("radio"), c.radio, base_dir);
        parse_channel(top.sub("channel"), c.channel, c.radio, base_dir);
        parse_data(top.sub("data"), c.data);
        parse_control(top.sub("control"), c.control, base_dir, config_file_private);
        parse_acm(top.sub("acm"), c.acm, c, base_dir);
        parse_protect(top, c, base_dir);
        parse_antijam(top.sub("antijam"), c);
        {
            Section log = top.sub("logging");
            c.logging.level = log.choice(
                "level", "info", { "trace", "debug", "info", "warn", "error", "critical", "off" });
            log.finish();
        }
        top.finish();
    } catch (const ConfigError& e) {
        std::string what = e.what();
        // Errors raised below the Section helpers (endpoints, secrets) lack the origin.
        if (what.rfind(origin + ": ", 0) != 0)
            throw ConfigError(origin + ": " + what);
        throw;
    }

    // Cross-section rules.
    const double sps = c.modem_sample_rate() / c.modem.symbol_rate;
    if (sps < 2.0 && c.antijam.hopping && c.antijam.mode == HopMode::Digital) {
        char msg[256];
        std::snprintf(msg, sizeof msg,
                      "antijam.hopping.interpolation: %d leaves the modem %.15g samples/s of "
                      "radio.sample_rate %.15g: at least 2 x modem.symbol_rate (%.15g) needed",
                      c.antijam.interpolation, c.modem_sample_rate(), c.radio.sample_rate,
                      2 * c.modem.symbol_rate);
        throw ConfigError(origin + ": " + msg);
    }
    if (sps < 2.0) {
        char msg[256];
        std::snprintf(msg, sizeof msg,
                      "radio.sample_rate: %.15g is impossible with modem.symbol_rate %.15g: it "
                      "must be at least 2 x the symbol rate (%.15g)",
                      c.radio.sample_rate, c.modem.symbol_rate, 2 * c.modem.symbol_rate);
        throw ConfigError(origin + ": " + msg);
    }
    // A forward address that is one of our own listen sockets sends every received packet
    // back into the transmitter, forever.
    const std::pair<const char*, const std::optional<Endpoint>*> listens[] = {
        { "data.ip.listen", &c.data.ip_listen }, { "data.ts.listen", &c.data.ts_listen }
    };
    const std::pair<const char*, const std::optional<Endpoint>*> forwards[] = {
        { "data.ip.forward", &c.data.ip_forward }, { "data.ts.forward", &c.data.ts_forward }
    };
    for (const auto& [fkey, fwd] : forwards)
        for (const auto& [lkey, lis] : listens)
            if (*fwd && *lis && reaches(**fwd, **lis))
                throw ConfigError(origin + ": " + fkey + ": '" + (*fwd)->text() + "' is " + lkey +
                                  " ('" + (*lis)->text() +
                                  "'): received packets would be sent again, in a loop");
    if (c.has_tx()) {
        bool ip_in = c.data.ip_listen.has_value() || !c.data.tun.empty();
        if (c.modem.stream == StreamInput::Ts && ip_in)
            throw ConfigError(origin + ": data.ip: IP input is configured but modem.stream is "
                                       "'ts' (IP packets travel in GSE: set modem.stream: gse)");
        if (c.modem.stream == StreamInput::Gse && c.data.ts_listen)
            throw ConfigError(origin + ": data.ts.listen: TS input is configured but "
                                       "modem.stream is 'gse' (set modem.stream: ts)");
    }
    if (c.data.test_pattern && c.modem.stream != StreamInput::Ts)
        throw ConfigError(origin + ": data.test_pattern: the test pattern is TS packets: set "
                                   "modem.stream: ts");
    c.path = origin;
    return c;
}

Config load_config(const std::string& path)
{
    struct stat st;
    std::string text = read_regular_file("config file", path, kMaxConfigBytes, &st);
    const bool file_private = (st.st_mode & (S_IRWXG | S_IRWXO)) == 0;
    return parse_config(text, path, parent_dir(path), file_private);
}

} // namespace modemd

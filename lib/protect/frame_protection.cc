// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/pl/plheader.h>
#include <dualsat/protect/frame_protection.h>

#include <openssl/crypto.h>

#include <cstring>

namespace dualsat {

namespace {

void put_u32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void put_u64(uint8_t* p, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

uint32_t get_u32(const uint8_t* p)
{
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}

uint64_t get_u64(const uint8_t* p)
{
    return static_cast<uint64_t>(get_u32(p)) << 32 | get_u32(p + 4);
}

void relaxed_inc(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

std::function<int64_t()> clock_or_realtime(std::function<int64_t()> c)
{
    return c ? std::move(c) : std::function<int64_t()>(realtime_ns);
}

} // namespace

void protect_nonce(uint32_t epoch, uint64_t counter, uint8_t* nonce12)
{
    put_u32(nonce12, epoch);
    put_u64(nonce12 + 4, counter);
}

ProtectHeader parse_protect_header(const uint8_t* p)
{
    ProtectHeader h;
    h.version = p[0];
    h.key_tag = KeyTag{ p[1], p[2], p[3] };
    h.epoch = get_u32(p + 4);
    h.counter = get_u64(p + 8);
    return h;
}

std::string nonce_binding(uint16_t link_id, LinkDirection direction)
{
    return "link=" + std::to_string(link_id) +
           (direction == LinkDirection::Forward ? " direction=forward" : " direction=return");
}

// ------------------------------------------------------------------------------ sealer

FrameSealer::FrameSealer(std::shared_ptr<const KeySchedule> keys, FrameSealerConfig config)
    : m_keys(std::move(keys)), m_config(std::move(config)),
      m_nonces(m_config.nonce_state_path, nonce_binding(m_config.link_id, m_config.direction),
               m_config.reservation_block)
{
    if (!m_keys)
        throw ConfigError("FrameSealer: no key schedule");
    m_config.clock = clock_or_realtime(std::move(m_config.clock));
}

FrameSealer::~FrameSealer() = default;

void FrameSealer::apply(const FrameFormat& format, uint64_t /*frame_counter*/, BbHeader& header,
                        uint8_t* data_field, size_t data_field_bytes)
{
    const size_t n = (static_cast<size_t>(header.dfl) + 7) / 8;
    if (n + kProtectOverheadBytes > data_field_bytes || data_field_bytes * 8 > 0xFFFF)
        throw Error("FrameSealer: DFL " + std::to_string(header.dfl) + " leaves no room for the seal");
    const uint8_t pls = pls_code(format).bits();

    const uint32_t epoch = m_keys->current_epoch(m_config.clock());
    const uint64_t generation = m_keys->generation();
    if (!m_gcm || epoch != m_epoch || generation != m_generation) {
        m_gcm.reset();
        m_gcm = std::make_unique<AesGcm256>(
            m_keys->derive(KeyPurpose::Comsec, epoch, m_config.link_id, m_config.direction));
        m_tag = m_keys->key_tag();
        m_epoch = epoch;
        m_generation = generation;
        ++m_stats.key_changes;
    }
    const uint64_t counter = m_nonces.next(); // durable before use

    // The body: plain DFL and SYNCD, the data, zeros to the tag (all encrypted).
    const size_t body_len = data_field_bytes - kProtectHeaderBytes - kProtectTagBytes;
    uint8_t* body = data_field + kProtectHeaderBytes;
    std::memmove(body + kProtectLengthBytes, data_field, n);
    std::memset(body + kProtectLengthBytes + n, 0, body_len - kProtectLengthBytes - n);
    body[0] = static_cast<uint8_t>(header.dfl >> 8);
    body[1] = static_cast<uint8_t>(header.dfl);
    body[2] = static_cast<uint8_t>(header.syncd >> 8);
    body[3] = static_cast<uint8_t>(header.syncd);
    uint8_t* ph = data_field;
    ph[0] = kProtectVersion;
    std::memcpy(ph + 1, m_tag.data(), m_tag.size());
    put_u32(ph + 4, epoch);
    put_u64(ph + 8, counter);
    // The same header on every frame of the link (see the header file).
    header.dfl = static_cast<uint16_t>(data_field_bytes * 8);
    header.syncd = 0;

    uint8_t aad[kProtectAadBytes];
    const auto hb = encode_bbheader(header);
    std::memcpy(aad, hb.data(), kBbHeaderBytes);
    aad[kBbHeaderBytes] = pls;
    std::memcpy(aad + kBbHeaderBytes + 1, ph, kProtectHeaderBytes);
    uint8_t nonce[AesGcm256::kNonceBytes];
    protect_nonce(epoch, counter, nonce);
    m_gcm->seal(nonce, aad, sizeof aad, body, body_len, body + body_len);

    ++m_stats.frames;
    m_stats.epoch = epoch;
}

FrameSealerStats FrameSealer::stats() const
{
    FrameSealerStats s = m_stats;
    s.reservations = m_nonces.reservations();
    s.next_counter = m_nonces.next_value();
    return s;
}

// ------------------------------------------------------------------------------ opener

struct FrameOpener::EpochState {
    uint32_t epoch;
    AesGcm256 gcm;
    ReplayWindow window;
    EpochState(uint32_t e, const SecureKey& key, size_t window_size)
        : epoch(e), gcm(key), window(window_size)
    {
    }
};

FrameOpener::FrameOpener(std::shared_ptr<const KeySchedule> keys, FrameOpenerConfig config)
    : m_keys(std::move(keys)), m_config(std::move(config))
{
    if (!m_keys)
        throw ConfigError("FrameOpener: no key schedule");
    ReplayWindow check(m_config.replay_window); // ConfigError for a bad size, now
    m_config.clock = clock_or_realtime(std::move(m_config.clock));
    m_generation = m_keys->generation();
}

FrameOpener::~FrameOpener() = default;

FrameOpener::EpochState* FrameOpener::epoch_state(uint32_t epoch, int64_t now)
{
    const uint64_t generation = m_keys->generation();
    if (generation != m_generation) { // a new master key: new keys, new windows
        m_epochs.clear();
        m_generation = generation;
    }
    for (auto& s : m_epochs)
        if (s->epoch == epoch)
            return s.get();
    // Epochs no longer accepted go; the new one (accepted, checked by the caller) comes in.
    for (size_t i = 0; i < m_epochs.size();) {
        if (!m_keys->epoch_accepted(m_epochs[i]->epoch, now))
            m_epochs.erase(m_epochs.begin() + static_cast<long>(i));
        else
            ++i;
    }
    m_epochs.push_back(std::make_unique<EpochState>(
        epoch, m_keys->derive(KeyPurpose::Comsec, epoch, m_config.link_id, m_config.direction),
        m_config.replay_window));
    return m_epochs.back().get();
}

size_t FrameOpener::open(uint8_t* frame, size_t len, const FrameFormat& format, uint64_t)
{
    if (frame == nullptr || len < kBbHeaderBytes + kProtectOverheadBytes + 1) {
        relaxed_inc(m_counters.malformed);
        return 0;
    }
    const size_t dfl = static_cast<size_t>(frame[4]) << 8 | frame[5];
    if (dfl < kProtectOverheadBytes * 8 || dfl > (len - kBbHeaderBytes) * 8 || dfl % 8 != 0) {
        relaxed_inc(m_counters.malformed);
        return 0;
    }
    uint8_t pls = 0;
    try {
        pls = pls_code(format).bits();
    } catch (const Error&) {
        relaxed_inc(m_counters.malformed);
        return 0;
    }
    uint8_t* ph = frame + kBbHeaderBytes;
    const ProtectHeader h = parse_protect_header(ph);
    if (h.version != kProtectVersion) {
        relaxed_inc(m_counters.malformed);
        return 0;
    }
    if (h.key_tag != m_keys->key_tag()) {
        relaxed_inc(m_counters.unknown_key);
        return 0;
    }
    const int64_t now = m_config.clock();
    if (!m_keys->epoch_accepted(h.epoch, now)) {
        relaxed_inc(m_counters.stale_epoch);
        return 0;
    }
    EpochState* st;
    try {
        st = epoch_state(h.epoch, now);
    } catch (const Error&) { // OpenSSL or mlock failure: nothing can be opened
        relaxed_inc(m_counters.auth_failed);
        return 0;
    }
    if (!st->window.check(h.counter)) {
        relaxed_inc(m_counters.replayed);
        return 0;
    }
    const size_t body_len = dfl / 8 - kProtectHeaderBytes - kProtectTagBytes;
    uint8_t aad[kProtectAadBytes];
    std::memcpy(aad, frame, kBbHeaderBytes);
    aad[kBbHeaderBytes] = pls;
    std::memcpy(aad + kBbHeaderBytes + 1, ph, kProtectHeaderBytes);
    uint8_t nonce[AesGcm256::kNonceBytes];
    protect_nonce(h.epoch, h.counter, nonce);
    uint8_t* body = ph + kProtectHeaderBytes;
    if (!st->gcm.open(nonce, aad, sizeof aad, body, body_len, body + body_len)) {
        relaxed_inc(m_counters.auth_failed);
        return 0;
    }
    // The plain header: the sent one with the plain DFL and SYNCD (bytes 4-5 and 7-8,
    // EN 302 307-1 §5.1.6), checked as any received header is.
    const size_t room = body_len - kProtectLengthBytes;
    uint8_t plain_header[kBbHeaderBytes];
    std::memcpy(plain_header, frame, kBbHeaderBytes);
    plain_header[4] = body[0];
    plain_header[5] = body[1];
    plain_header[7] = body[2];
    plain_header[8] = body[3];
    plain_header[kBbHeaderBytes - 1] = crc8(plain_header, kBbHeaderBytes - 1);
    BbHeader parsed;
    if (try_parse_bbheader(plain_header, kBbHeaderBytes, parsed, room * 8) != BbHeaderStatus::Ok) {
        // Authentic, so a sender's fault, not an attack: counted, nothing delivered.
        OPENSSL_cleanse(body, body_len);
        relaxed_inc(m_counters.malformed);
        return 0;
    }
    st->window.accept(h.counter);

    // The plain BBFRAME: the plain header, the data moved back, zeros after.
    const size_t n = (static_cast<size_t>(parsed.dfl) + 7) / 8;
    const size_t plain_len = kBbHeaderBytes + room;
    std::memmove(frame + kBbHeaderBytes, body + kProtectLengthBytes, n);
    std::memset(frame + kBbHeaderBytes + n, 0, len - kBbHeaderBytes - n);
    std::memcpy(frame, plain_header, kBbHeaderBytes);
    relaxed_inc(m_counters.opened);
    return plain_len;
}

FrameOpenerCounters FrameOpener::counters() const
{
    const auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    FrameOpenerCounters c;
    c.opened = get(m_counters.opened);
    c.malformed = get(m_counters.malformed);
    c.unknown_key = get(m_counters.unknown_key);
    c.stale_epoch = get(m_counters.stale_epoch);
    c.replayed = get(m_counters.replayed);
    c.auth_failed = get(m_counters.auth_failed);
    return c;
}

} // namespace dualsat

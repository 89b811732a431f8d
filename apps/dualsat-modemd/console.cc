// SPDX-License-Identifier: GPL-3.0-or-later
#include "console.h"

#include <dualsat/mapping/constellation.h>

#include <algorithm>
#include <cmath>
#include <thread>
// liquid.h picks std::complex as its complex type when <complex> came first.
#include <complex>
#include <liquid/liquid.h>

namespace modemd {

using nlohmann::json;

namespace {

constexpr uint8_t kShortBit = 1u << 5;
constexpr uint8_t kPilotsBit = 1u << 6;

uint8_t pack(const dualsat::FrameFormat& f)
{
    return static_cast<uint8_t>(dualsat::modcod_number(f.modcod)) |
           (f.frame == dualsat::FrameSize::Short ? kShortBit : 0) | (f.pilots ? kPilotsBit : 0);
}

// Three decimals are more than a screen shows and keep 4096 symbols near 80 KB of JSON.
double rounded(float v) { return std::round(static_cast<double>(v) * 1000.0) / 1000.0; }

json group_for(uint8_t packed)
{
    json g;
    const int number = packed & 0x1f;
    g["modcod_number"] = number;
    g["frame"] = (packed & kShortBit) ? "short" : "normal";
    g["pilots"] = (packed & kPilotsBit) != 0;
    try {
        const dualsat::ModCod mc = dualsat::modcod_from_number(number);
        g["modcod"] = dualsat::to_string(mc);
        const dualsat::Constellation c(mc);
        json rings = json::array();
        for (int r = 0; r < c.rings(); ++r)
            rings.push_back(c.ring_radius(r));
        json points = json::array();
        for (int i = 0; i < c.size(); ++i)
            points.push_back({ rounded(c.point(static_cast<unsigned>(i)).real()),
                               rounded(c.point(static_cast<unsigned>(i)).imag()) });
        g["rings"] = rings;
        g["points"] = points;
    } catch (const std::exception&) {
        g["modcod"] = nullptr; // cannot happen for frames the receiver decoded
        g["rings"] = json::array();
        g["points"] = json::array();
    }
    g["symbols"] = json::array();
    return g;
}

} // namespace

void SymbolCapture::offer(const dualsat::FrameFormat& format, const std::complex<float>* symbols, size_t n)
{
    if (n == 0)
        return;
    std::unique_lock<std::mutex> lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock()) {
        m_skipped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const size_t take = std::min(n, kPerFrame);
    const uint8_t f = pack(format);
    for (size_t k = 0; k < take; ++k) {
        // Evenly spaced over the frame (the whole frame, not just its start).
        m_symbols[m_next] = symbols[k * n / take];
        m_format[m_next] = f;
        m_next = (m_next + 1) % kCapacity;
    }
    m_held = std::min(kCapacity, m_held + take);
    ++m_frames;
}

json SymbolCapture::recent(size_t n) const
{
    std::array<std::complex<float>, kCapacity> sym;
    std::array<uint8_t, kCapacity> fmt;
    size_t count;
    uint64_t frames;
    {
        // Copy out quickly: the receiver skips (does not wait) while this is held.
        std::lock_guard<std::mutex> lock(m_mutex);
        count = std::min(n, m_held);
        frames = m_frames;
        for (size_t k = 0; k < count; ++k) {
            const size_t i = (m_next + kCapacity - count + k) % kCapacity;
            sym[k] = m_symbols[i];
            fmt[k] = m_format[i];
        }
    }
    json groups = json::array();
    for (size_t k = 0; k < count; ++k) {
        if (k == 0 || fmt[k] != fmt[k - 1])
            groups.push_back(group_for(fmt[k]));
        groups.back()["symbols"].push_back({ rounded(sym[k].real()), rounded(sym[k].imag()) });
    }
    return json{ { "count", count },
                 { "capacity", kCapacity },
                 { "frames", frames },
                 { "skipped", m_skipped.load(std::memory_order_relaxed) },
                 { "groups", groups } };
}

void SampleCapture::offer(const std::complex<float>* x, size_t n)
{
    if (!m_wanted.load(std::memory_order_acquire))
        return;
    std::unique_lock<std::mutex> lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock()) {
        m_skipped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const size_t take = std::min(n, kSamples - m_fill);
    std::copy_n(x, take, m_buf.begin() + static_cast<std::ptrdiff_t>(m_fill));
    m_fill += take;
    if (m_fill == kSamples) {
        m_done = std::chrono::steady_clock::now();
        m_wanted.store(false, std::memory_order_release);
    }
}

bool SampleCapture::take(std::vector<std::complex<float>>& out, std::chrono::steady_clock::time_point& when)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_fill < kSamples)
        return false;
    out.assign(m_buf.begin(), m_buf.end());
    when = m_done;
    m_fill = 0;
    m_wanted.store(true, std::memory_order_release);
    return true;
}

struct SpectrumEstimator::Impl {
    spgramcf q = nullptr;
    std::vector<float> psd;
};

SpectrumEstimator::SpectrumEstimator() : m_impl(std::make_unique<Impl>())
{
    m_impl->q = spgramcf_create(kBins, LIQUID_WINDOW_HANN, kBins, kBins / 2);
    if (!m_impl->q)
        throw std::runtime_error("liquid-dsp: spgramcf_create failed");
    m_impl->psd.resize(kBins);
}

SpectrumEstimator::~SpectrumEstimator()
{
    if (m_impl && m_impl->q)
        spgramcf_destroy(m_impl->q);
}

void SpectrumEstimator::add(const std::vector<std::complex<float>>& block, bool fresh_start)
{
    if (block.empty())
        return;
    spgramcf_reset(m_impl->q);
    spgramcf_set_alpha(m_impl->q, -1.0f); // the plain mean over the block's transforms
    // liquid's API takes a non-const pointer; it only reads the input.
    spgramcf_write(m_impl->q, const_cast<std::complex<float>*>(block.data()),
                   static_cast<unsigned>(block.size()));
    if (spgramcf_get_num_transforms(m_impl->q) == 0)
        return;
    spgramcf_get_psd_mag(m_impl->q, m_impl->psd.data());
    // Scale so that the bins add up to the block's mean power: the level then reads in dB
    // full scale per bin whatever liquid's normalisation.
    double power = 0, sum = 0;
    for (const auto& x : block)
        power += static_cast<double>(std::norm(x));
    power /= static_cast<double>(block.size());
    for (float v : m_impl->psd)
        sum += static_cast<double>(v);
    const double scale = sum > 0 ? power / sum : 0.0;
    // Blocks averaged over about the last four (one a second while a page is open).
    const double w = (fresh_start || m_avg.empty()) ? 1.0 : 0.25;
    m_avg.resize(kBins, 0.0);
    for (unsigned i = 0; i < kBins; ++i)
        m_avg[i] = (1 - w) * m_avg[i] + w * static_cast<double>(m_impl->psd[i]) * scale;
    ++m_blocks;
}

std::vector<float> SpectrumEstimator::psd_db() const
{
    std::vector<float> out;
    out.reserve(m_avg.size());
    for (double v : m_avg)
        out.push_back(static_cast<float>(v > 1e-30 ? 10.0 * std::log10(v) : -300.0));
    return out;
}

ConsoleTaps::ConsoleTaps(double symbol_rate, double sample_rate, double rolloff)
    : m_symbol_rate(symbol_rate), m_sample_rate(sample_rate), m_rolloff(rolloff)
{
}

json ConsoleTaps::spectrum()
{
    std::lock_guard<std::mutex> lock(m_spectrum_mutex);
    const auto now = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point when;
    bool fresh = m_samples.take(m_block, when);
    // A block taken long ago (the last request was a while back) shows another time:
    // drop it and wait briefly for a new one (16384 samples: 8 ms at 2 MS/s, 160 ms at
    // 100 kS/s); the I/O thread is held that long at most, and only after a pause.
    if (fresh && now - when > std::chrono::seconds(2)) {
        fresh = false;
        const auto deadline = now + std::chrono::milliseconds(250);
        while (!fresh && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            fresh = m_samples.take(m_block, when);
        }
    }
    if (fresh) {
        // An average nobody looked at for a while describes another time: start over.
        const bool stale = !m_have_block || now - m_last_add > std::chrono::seconds(5);
        m_estimator.add(m_block, stale);
        m_block_time = when;
        m_last_add = now;
        m_have_block = true;
    }
    const auto bins = SpectrumEstimator::kBins;
    json psd = nullptr;
    if (m_estimator.blocks() > 0) {
        psd = json::array();
        for (float v : m_estimator.psd_db())
            psd.push_back(std::round(static_cast<double>(v) * 100.0) / 100.0);
    }
    return json{ { "bins", bins },
                 { "sample_rate", m_sample_rate },
                 { "f_start_hz", -m_sample_rate / 2 },
                 { "f_step_hz", m_sample_rate / bins },
                 { "unit", "dBFS per bin" },
                 { "psd_db", psd },
                 { "symbol_rate", m_symbol_rate },
                 { "rolloff", m_rolloff },
                 { "occupied_bw_hz", m_symbol_rate * (1 + m_rolloff) },
                 { "blocks", m_estimator.blocks() },
                 { "samples_per_block", SampleCapture::kSamples },
                 { "block_age_s", m_have_block ? json(std::chrono::duration<double>(now - m_block_time).count())
                                               : json(nullptr) },
                 { "skipped", m_samples.skipped() } };
}

} // namespace modemd

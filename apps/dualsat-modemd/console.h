// SPDX-License-Identifier: GPL-3.0-or-later
// The operator console: the page (GET /console, console/console.html embedded into the
// binary at build time, so an installed daemon needs no data files and works offline) and
// the data behind it, also meant for scripts:
//   GET /symbols?n=N  the last N (<= 4096) received data symbols after carrier recovery,
//                     grouped by the MODCOD they belong to;
//   GET /spectrum     the averaged PSD of the receiver's input (1024 bins, liquid-dsp's
//                     spgram) with the expected occupied bandwidth Rs (1 + roll-off).
// Nothing here makes the signal path wait: the receiver's thread copies into fixed buffers
// under a try-lock (a copy that would wait is skipped and counted), and the spectrum is
// computed on the HTTP thread from a copy, only when asked for. With no page or script
// asking, the input is not copied at all and each data frame costs one short copy.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace modemd {

// The page and the Content-Security-Policy that allows exactly its inline script and
// style (their SHA-256 hashes, computed when the page is embedded).
extern const char* const kConsolePage;
extern const size_t kConsolePageSize;
extern const char* const kConsoleContentSecurityPolicy;

// The most recent data symbols after carrier recovery, with their frame format.
class SymbolCapture
{
public:
    static constexpr size_t kCapacity = 4096;
    // At most this many symbols of one frame (evenly spaced over it): the ring then holds
    // several recent frames, so a MODCOD change shows both formats for a while.
    static constexpr size_t kPerFrame = 1024;

    // Signal path (the receiver's thread): no allocation, never waits.
    void offer(const dualsat::FrameFormat& format, const std::complex<float>* symbols, size_t n);

    // The last n (clamped to what is held), oldest first, in runs of one format:
    // {"count", "frames", "skipped", "groups": [{"modcod", "modcod_number", "frame", "pilots",
    //   "rings": [radius...], "points": [[i,q]...] (the ideal constellation),
    //   "symbols": [[i,q]...]}]}
    nlohmann::json recent(size_t n) const;

private:
    mutable std::mutex m_mutex;
    std::array<std::complex<float>, kCapacity> m_symbols{};
    std::array<uint8_t, kCapacity> m_format{}; // modcod number | short << 5 | pilots << 6
    size_t m_next = 0;
    size_t m_held = 0;
    uint64_t m_frames = 0;
    std::atomic<uint64_t> m_skipped{ 0 }; // frames not copied because a reader held the lock
};

// One block of consecutive input samples, taken when asked for.
class SampleCapture
{
public:
    static constexpr size_t kSamples = 16384;

    // Signal path: copies only while a capture is wanted (after take() or at start).
    void offer(const std::complex<float>* x, size_t n);
    // A complete block into `out` (then the next one is wanted); false if none is ready.
    bool take(std::vector<std::complex<float>>& out, std::chrono::steady_clock::time_point& when);
    uint64_t skipped() const { return m_skipped.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_wanted{ true };
    std::mutex m_mutex;
    std::vector<std::complex<float>> m_buf = std::vector<std::complex<float>>(kSamples);
    size_t m_fill = 0;
    std::chrono::steady_clock::time_point m_done;
    std::atomic<uint64_t> m_skipped{ 0 };
};

// Averaged power spectral density over captured blocks (liquid-dsp spgramcf: Hann window
// of nfft samples, half overlapped, averaged within a block; blocks averaged
// exponentially). Used from the HTTP thread.
class SpectrumEstimator
{
public:
    static constexpr unsigned kBins = 1024;
    SpectrumEstimator();
    ~SpectrumEstimator();
    SpectrumEstimator(const SpectrumEstimator&) = delete;
    SpectrumEstimator& operator=(const SpectrumEstimator&) = delete;

    // Adds one block; `fresh_start` drops the previous average (it is stale).
    void add(const std::vector<std::complex<float>>& block, bool fresh_start);
    // Bins from -fs/2 up, each the power in that bin, dB relative to full scale: the bins'
    // linear powers add up to the input's mean |x|^2. Empty before the first block.
    std::vector<float> psd_db() const;
    uint64_t blocks() const { return m_blocks; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::vector<double> m_avg;
    uint64_t m_blocks = 0;
};

// What the daemon's receiver feeds and the API reads.
class ConsoleTaps
{
public:
    ConsoleTaps(double symbol_rate, double sample_rate, double rolloff);

    SymbolCapture& symbols() { return m_symbols; }
    SampleCapture& samples() { return m_samples; }

    nlohmann::json recent_symbols(size_t n) const { return m_symbols.recent(n); }
    // {"bins", "sample_rate", "f_start_hz", "f_step_hz", "psd_db": [...] or null,
    //  "symbol_rate", "rolloff", "occupied_bw_hz", "blocks", "samples_per_block",
    //  "block_age_s", "skipped"}
    nlohmann::json spectrum();

private:
    const double m_symbol_rate, m_sample_rate, m_rolloff;
    SymbolCapture m_symbols;
    SampleCapture m_samples;
    std::mutex m_spectrum_mutex;
    SpectrumEstimator m_estimator;
    std::vector<std::complex<float>> m_block;
    std::chrono::steady_clock::time_point m_block_time, m_last_add;
    bool m_have_block = false;
};

} // namespace modemd

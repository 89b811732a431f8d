// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 PL frame synchroniser at symbol rate (1 sample per symbol, after matched filtering
// and timing recovery), robust to carrier frequency offsets up to about +-10 % of the symbol
// rate and working down to Es/N0 ~ -3 dB when pilots are on.
//
// Search: the differential products d[k] = conj(x[k]) x[k+1] remove any frequency offset
// up to +-Rs/2 from the pi/2-BPSK header; at every position they are correlated with
//   - the 25 differential SOF values,
//   - the 32 differential values inside the PLSC pairs (each RM code bit is sent twice,
//     repeated when TYPE b7 = 0, complemented when b7 = 1, EN 302 307-1 §5.5.2.4, so
//     y[2m] xor y[2m+1] = b7 xor mask bits: known up to the sign given by b7), and
//   - for b7 = 1 (pilots on), the 2 x 35 differential values of the first two scrambled
//     pilot blocks (§5.5.3; short 32APSK, the shortest frame, has two).
// The detection statistic q = |C|^2 / sum |d|^2 is gain independent and about
// exponentially distributed with mean 1 on noise, so the threshold sets the false-alarm
// rate per position (e^-threshold). A detection is examined: the frequency offset is
// estimated on the spot (arg C, then Luise & Reggiannini on SOF and pilot symbols), the
// PLSC is decoded coherently (PlHeaderSequence::decode) at that frequency and at +-1..3
// steps of 0.02 rad/symbol (the strongest header kept: without pilots the SOF alone leaves
// errors that turn the header by a radian near -1 dB), and the frequency is refined on
// the whole decided header. It opens a hypothesis if its coherent header statistic
// reaches acquisition_header_threshold; the next header is expected plframe_symbols()
// later (3330 for a dummy frame: VCM/ACM work). A hypothesis whose
// predicted headers are confirmed `confirm_frames` times in a row becomes the lock; the
// ones that fail are counted as false detections. Several hypotheses are followed at once.
//
// Lock: every predicted header is checked coherently (frequency from the tracked
// estimate, phase from the SOF, PLSC decoded, correlation with the decided header
// thresholded). A header that fails is a miss: the frame length is then taken from its
// PLSC decision if that is usable and its statistic reaches half the lock threshold, else
// from the previous frame ("flywheel"); after
// `max_missed_frames` consecutive misses the lock is lost and the search restarts.
//
// The SOF, PLSC mask and pilot scrambling come from the injected PlHeaderSequence and
// PlScramblingSequence for each frame counter. During the search the counter is the
// acquisition counter (set_acquisition_frame_counter; the standard sequences do not
// depend on it) and it counts up by one per frame from there.
//
// Non-finite input symbols are replaced by 0 and counted.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/pl/pl_scrambler.h>
#include <dualsat/pl/plheader.h>
#include <dualsat/rx/header_search.h>

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace dualsat {

struct FrameSyncConfig {
    // q threshold of the search (false alarms per position ~ exp(-q)). A detection is a
    // candidate only: it opens a hypothesis when its coherent header statistic (below)
    // reaches acquisition_header_threshold. Without pilots q has a mean of only ~11 at
    // -1.35 dB (57 differential products), so the first stage must pass most headers;
    // the coherent stage removes the false alarms (~10 per normal frame at 8).
    float acquisition_threshold = 8.0f;
    // Coherent header statistic (as lock_threshold) that opens a hypothesis; a header at
    // -3 dB gives ~50, noise exceeds 24 with probability ~1e-3 per decoded candidate.
    float acquisition_header_threshold = 24.0f;
    // q threshold at a predicted header during acquisition.
    float verify_threshold = 4.0f;
    // Coherent header statistic threshold in lock: |SOF correlation|^2 / SOF energy plus
    // the decided PLSC's squared projection / (PLSC energy / 2), at the SOF's phase. On
    // noise it exceeds 20 with probability ~1e-3; a header at Es/N0 = -3 dB gives ~50.
    float lock_threshold = 20.0f;
    int confirm_frames = 2;    // confirmed next headers before lock
    int max_missed_frames = 3; // consecutive missed headers that lose the lock
    // The link's format never changes and it sends no dummy frames (e.g. the protected
    // profile with a fixed MODCOD and sealed fill): in lock, a header that decodes to
    // another format (or a dummy) is a miss, and a missed header's frame keeps the
    // current format. Frequency hopping needs it: a header whose PLSC fell into an erased
    // dwell while its SOF did not passes the statistic with an arbitrary PLSC.
    bool fixed_format = false;
    int max_hypotheses = 16;
    bool search_pilots = true; // use the first two pilot blocks in the search statistic
    // Keyed sequences of period P (PlHeaderSequence::period()): the search tries the first
    // min(P, max_search_slots) slots at every position, so it locks on the first frame it
    // sees whatever its slot (P times the search work and false-alarm rate); 1 searches
    // only the acquisition counter's slot and waits for a frame of that slot.
    int max_search_slots = 16;
    // Sequences that never repeat (period 0): the counters tried around the predicted one
    // (set_acquisition_counter_hint) at each position, from prediction - window/2 to
    // prediction + (window - 1)/2; 1..16. Each costs a search at every position, like a
    // slot of a period: 4 covers a time base right to +-2 frames, at the cost of a P = 4
    // search.
    int counter_window = 4;
};

enum class SyncState : uint8_t { Searching, Locked };
const char* to_string(SyncState s);

struct FrameSyncStats {
    uint64_t symbols_in = 0;
    uint64_t nonfinite_symbols = 0;   // replaced by 0
    uint64_t frames_out = 0;          // frames delivered (in lock)
    uint64_t dummy_frames = 0;        // of them dummy
    uint64_t missed_headers = 0;      // predicted headers that failed in lock (flywheel)
    uint64_t acquisitions = 0;        // times lock was acquired (first + re-acquisitions)
    uint64_t lock_losses = 0;
    uint64_t false_detections = 0;    // hypotheses that failed verification
    uint64_t hypotheses_opened = 0;
};

// One PLFRAME found in the stream.
struct SyncedFrame {
    uint64_t start = 0;         // stream index (symbols since construction) of its first symbol
    uint64_t frame_counter = 0;
    bool dummy = false;
    FrameFormat format;         // meaningful when !dummy
    int length = 0;             // PLFRAME symbols (kDummyFrameSymbols for a dummy)
    PlscDecision plsc;
    bool header_confirmed = true; // false: flywheel frame (its header failed the check)
    float header_statistic = 0; // coherent statistic of its header
    double frequency = 0;       // frequency estimate used, rad/symbol
    double header_phase = 0;    // carrier phase at the first header symbol after
                                // derotation by `frequency` from there, rad
    // length + kPlHeaderSymbols symbols: the frame and the next frame's header (for phase
    // interpolation up to the frame's end). Valid until the next call on the FrameSync.
    const std::complex<float>* symbols = nullptr;
};

class FrameSync
{
public:
    // Standard sequences, Gold code n.
    explicit FrameSync(uint32_t gold_code = 0, const FrameSyncConfig& config = {});
    // Injected sequences (non-null, else ConfigError). The scrambling object is only used
    // inside calls (its buffer is copied), so it may be shared with a PlDeframer that is
    // used from the same thread.
    FrameSync(std::shared_ptr<PlHeaderSequence> header,
              std::shared_ptr<PlScramblingSequence> scrambling,
              const FrameSyncConfig& config = {});

    // Appends symbols (any count). Invalidates the last SyncedFrame's symbols.
    void push(const std::complex<float>* in, size_t n);
    // Processes what has been pushed; true and *frame filled when a frame is complete.
    // Call until it returns false, then push more.
    bool next_frame(SyncedFrame* frame);

    // A better frequency estimate (rad/symbol) from the carrier recovery, used from the
    // next header on while locked.
    void set_tracked_frequency(double rad_per_symbol);
    double tracked_frequency() const { return m_freq; }

    void set_acquisition_frame_counter(uint64_t counter) { m_acq_counter = counter; }
    // Sequences that never repeat (PlHeaderSequence::period() == 0, keyed_pl.h): the
    // transmitter's counter predicted for a frame starting at stream index `at_symbol`
    // (symbols pushed since construction), frames following each other every
    // `frame_symbols` symbols (> 0, else ConfigError). The search then tries
    // counter_window counters centred on the prediction at each position. After a lost
    // lock the prediction continues from the last frame the lock delivered.
    void set_acquisition_counter_hint(uint64_t counter, uint64_t at_symbol, int frame_symbols);
    // The counter predicted for a frame starting at stream index `pos` (from the hint's,
    // or the lock's, anchor): that of the predicted frame start nearest to it.
    uint64_t predicted_counter(uint64_t pos) const;
    void reset(); // drops the lock, the buffer and the hypotheses (stats kept)
    // Other sequences (non-null, else ConfigError; nothing changed then): a key change of
    // the protected profile. Drops the lock like reset(): the search starts again with
    // the new templates on the symbols pushed from now on.
    void set_sequences(std::shared_ptr<PlHeaderSequence> header,
                       std::shared_ptr<PlScramblingSequence> scrambling);

    SyncState state() const { return m_state; }
    const FrameSyncStats& stats() const { return m_stats; }
    const FrameSyncConfig& config() const { return m_config; }

    // Symbols that must follow a header position before the search can judge it.
    static constexpr int kSearchSpan =
        kPlHeaderSymbols + 2 * kPilotPeriod;

private:
    struct Templates {
        uint64_t counter = ~0ull;
        HeaderDiffTemplates diff;
        std::complex<float> sof[kSofSymbols];
        std::complex<float> pilot[2][kPilotBlockSymbols];
    };
    using DiffResult = HeaderDiffResult;
    struct HeaderResult {
        bool ok = false;          // decoded to a data or dummy frame
        PlscDecision plsc;
        FrameFormat format;
        bool dummy = false;
        int length = 0;
        double frequency = 0;
        double phase = 0;
        float statistic = 0;      // coherent statistic
    };
    // The frame a decoded header at `start` describes (symbols unset).
    static SyncedFrame frame_from_header(uint64_t start, uint64_t counter, const HeaderResult& r);
    struct Hypothesis {
        uint64_t first_start;     // stream index of the first header
        std::vector<SyncedFrame> chain; // frames so far (symbols unset)
        uint64_t next_start;
        uint64_t next_counter;
        int confirmations = 0;
        double frequency = 0;     // mean of the local estimates
        int freq_count = 0;
    };

    const Templates& templates(uint64_t counter);
    DiffResult diff_statistic(size_t pos, uint64_t counter, bool with_pilots);
    // Frequency (local estimate unless use_freq), phase from SOF, PLSC decode, coherent
    // statistic, at buffer position pos; with candidates > 0 the PLSC is also decoded at
    // that many frequency steps each side, the strongest kept and its frequency refined
    // on the whole header.
    HeaderResult examine_header(size_t pos, uint64_t counter, const DiffResult* diff,
                                bool use_freq, double freq, int candidates = 0);
    // Phase from SOF, PLSC decode and coherent statistic at frequency w.
    HeaderResult decode_header(size_t pos, uint64_t counter, double w);
    double local_frequency(size_t pos, const Templates& t, const DiffResult& diff);
    void search();
    void search_at(size_t pos, uint64_t counter); // one position, one slot's templates
    // The counters tried at stream index `at` (first, count): the window around the
    // prediction (period 0) or the period's slots.
    std::pair<uint64_t, uint64_t> search_counters(uint64_t at) const;
    void verify_hypotheses();
    bool locked_step(SyncedFrame* frame);
    void enter_lock(Hypothesis& h);
    void compact();
    void ensure_diffs(); // m_diff_re / m_diff_im / m_diff_energy up to the end of m_buf
    size_t index(uint64_t stream_pos) const { return static_cast<size_t>(stream_pos - m_base); }
    uint64_t end() const { return m_base + m_buf.size(); }

    std::shared_ptr<PlHeaderSequence> m_header;
    std::shared_ptr<PlScramblingSequence> m_scrambling;
    FrameSyncConfig m_config;
    FrameSyncStats m_stats;
    SyncState m_state = SyncState::Searching;

    std::vector<std::complex<float>> m_buf;  // symbols from stream index m_base on
    // d[i] = conj(m_buf[i]) m_buf[i+1], split into real and imaginary parts (the layout
    // the search statistic reads, header_search.h), and |d[i]|^2.
    std::vector<float> m_diff_re, m_diff_im;
    std::vector<float> m_diff_energy;
    uint64_t m_base = 0;
    uint64_t m_search_pos = 0;

    std::vector<Hypothesis> m_hyps;
    std::vector<SyncedFrame> m_pending; // frames of the hypothesis that won, to deliver
    uint64_t m_acq_counter = 0;
    uint64_t m_acq_anchor = 0;   // stream index where m_acq_counter's frame starts
    int m_acq_frame_symbols = 0; // 0: no prediction (counter m_acq_counter everywhere)

    // Lock state
    SyncedFrame m_current;       // frame whose header is confirmed, waiting for its end
    int m_missed = 0;
    double m_freq = 0.0;
    int m_freq_count = 0;
    bool m_freq_external = false;

    // Templates of the counters in use, by counter mod kTemplateSlots (the search tries
    // every slot of a keyed sequence's period at each position).
    static constexpr size_t kTemplateSlots = 32; // > a window: a hypothesis' next one stays
    std::array<Templates, kTemplateSlots> m_templates;
    std::vector<std::complex<float>> m_scratch;
};

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
// Whether the modem keeps up with real time, in its own terms (no GNU Radio headers, so
// the logic is unit-tested on its own; modem.cc feeds it from the flowgraph):
//   RateWindow          samples per second over a sliding window;
//   UhdOverflowCounter  RX overflows from what gr-uhd's usrp_source (3.10) gives: an
//                       rx_time tag on the first sample after a gap in the stream, and
//                       "overflows" counts on its async_msgs port;
//   UhdAsyncCounter     TX underflows (and sequence / time errors) from usrp_sink's
//                       async_msgs port;
//   RealtimeJudge       the verdict (ok / behind / overflowing) with its reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace modemd {

using RtClock = std::chrono::steady_clock;

// Rate of a monotonic counter over the last `window_s` seconds.
class RateWindow
{
public:
    explicit RateWindow(double window_s);
    void add(RtClock::time_point t, uint64_t counter);
    // Items per second over the samples held; nullopt until they span at least half the
    // window (a rate over a fraction of a second says little).
    std::optional<double> rate() const;
    // Counter increase over the samples held.
    uint64_t increase() const;
    double span_s() const;
    void clear() { m_samples.clear(); }

private:
    double m_window_s;
    std::deque<std::pair<RtClock::time_point, uint64_t>> m_samples;
};

// What a UHD RX stream lost. gr-uhd's usrp_source (3.10) handles an overflow (UHD's 'O':
// the host did not take the samples in time, the device dropped them) by tagging the first
// sample after it with rx_time (the device time of that sample), and publishes the number
// of overflows on its async_msgs port at most every [uhd] logging_interval_ms (750 ms), on
// the next overflow after that interval. The tags say at once that there was a gap and how
// long it was; the reports give UHD's own count, possibly late.
struct UhdRxCounts {
    uint64_t gaps = 0;              // rx_time tags that came after missing samples
    uint64_t samples_lost = 0;      // samples missing in those gaps (from the device time)
    uint64_t overflows_reported = 0; // sum of the async_msgs "overflows" counts
    uint64_t time_tags = 0;         // all rx_time tags (stream start, retunes, gaps)
    // At least this many overflows: each gap is one or more, and UHD's count lags.
    uint64_t overflows() const { return gaps > overflows_reported ? gaps : overflows_reported; }
};

class UhdOverflowCounter
{
public:
    explicit UhdOverflowCounter(double sample_rate);
    // An rx_time tag on sample `offset` (since the stream started) whose device time is
    // `time_s`. The first one (stream start) is the reference; a tag whose time is later
    // than the samples since the previous one account for (by more than half a sample)
    // is a gap; one at the expected time (a retune, a rate change) is not. A time that
    // went backwards (the device time was set) only becomes the new reference.
    void on_time_tag(uint64_t offset, double time_s);
    // The "overflows" value of one async_msgs message.
    void on_overflow_report(uint64_t count);
    UhdRxCounts counts() const;

private:
    const double m_rate;
    mutable std::mutex m_mutex;
    UhdRxCounts m_counts;
    bool m_have_ref = false;
    uint64_t m_ref_offset = 0;
    double m_ref_time = 0;
};

// usrp_sink's async_msgs: (uhd_async_msg . {event_code: (underflow ...), channel, time_spec}).
struct UhdTxCounts {
    uint64_t underflows = 0;       // underflow / underflow_in_packet (UHD's 'U')
    uint64_t sequence_errors = 0;  // seq_error / seq_error_in_burst (UHD's 'S')
    uint64_t time_errors = 0;      // time_error: a timed burst came too late ('L')
    uint64_t messages = 0;         // async messages seen
};

class UhdAsyncCounter
{
public:
    // The event codes (symbol names) of one message.
    void on_events(const std::vector<std::string>& event_codes);
    UhdTxCounts counts() const;

private:
    mutable std::mutex m_mutex;
    UhdTxCounts m_counts;
};

// What sets the pace of a radio stream.
enum class Pacing {
    Device,   // a radio's sample clock (uhd): falling behind loses samples
    Throttle, // a throttle block at the sample rate (loopback, file/zmq with throttle)
    Peer,     // the far end of a ZeroMQ link (its rate, and its queue when we are slow)
    None,     // nothing (a file replayed or recorded without throttle): as fast as we can
};
std::string to_string(Pacing p);

enum class RtState { Starting, Ok, Behind, Overflowing };
std::string to_string(RtState s);

// One direction's figures at one moment (cumulative counters; the judge keeps windows).
struct RtDirectionSample {
    uint64_t items = 0;           // samples taken in / handed on so far
    double nominal_rate = 0;      // what real time is, items per second
    Pacing pacing = Pacing::None;
    std::optional<double> edge_fill; // GNU Radio buffer fill at the radio edge (0..1): RX the
                                     // receiver's input, TX the radio's input
    uint64_t losses = 0;          // overflows (RX) / underflows (TX) so far
    bool stalled = false;         // the stream has not moved for the stall time
};

struct RtDirectionResult {
    std::optional<double> items_per_s;
    std::optional<double> ratio;  // items_per_s / nominal_rate
    uint64_t losses_in_window = 0;
    // Why it is behind: "processing" (our chain is the slowest part: its input is full, or
    // nothing else sets the pace), "input" (RX: samples do not arrive at real time and
    // the receiver waits for them), "output" (TX: the radio side takes them slower).
    std::string limited_by;
};

struct RtVerdict {
    RtState state = RtState::Starting;
    std::string reason;
    std::optional<RtDirectionResult> rx, tx;
};

// The verdict over a sliding window (default 5 s): overflowing when the radio reported
// losses in it; behind when a direction ran below `behind_ratio` of real time; ok
// otherwise; starting until the window has enough of a span. A stalled stream is a fault
// of its own (StreamWatch), not judged here.
class RealtimeJudge
{
public:
    static constexpr double kBehindRatio = 0.95;
    explicit RealtimeJudge(double window_s = 5.0, double behind_ratio = kBehindRatio);
    // `busiest` names the stage using the most CPU (added to the reason when our own
    // processing may be what limits), may be empty.
    RtVerdict update(RtClock::time_point now,
                     const std::optional<RtDirectionSample>& rx,
                     const std::optional<RtDirectionSample>& tx,
                     const std::string& busiest = {});
    double window_s() const { return m_window_s; }

private:
    RtDirectionResult judge_direction(bool rx, const RtDirectionSample& s, RateWindow& items, RateWindow& losses,
                                      std::optional<RtState>& state, std::string& reason);

    const double m_window_s, m_behind_ratio;
    RateWindow m_rx_items, m_rx_losses, m_tx_items, m_tx_losses;
};

// Log rate limit for the "falling behind" warning: the first one at once, then at most
// one per `interval_s`; a recovery is logged once per episode that was warned about.
class WarnLimiter
{
public:
    explicit WarnLimiter(double interval_s) : m_interval_s(interval_s) {}
    // True when a warning for a bad state at `now` should be logged.
    bool warn(RtClock::time_point now);
    // True when the recovery should be logged (a warning was logged in this episode).
    bool recovered();
    uint64_t suppressed() const { return m_suppressed; }

private:
    double m_interval_s;
    bool m_warned = false;
    bool m_have_last = false;
    RtClock::time_point m_last;
    uint64_t m_suppressed = 0;
};

// CPU time of this process's threads, by name (/proc/self/task/*/comm and schedstat).
struct ThreadCpu {
    int tid = 0;
    std::string name;
    double cpu_s = 0;
};
std::vector<ThreadCpu> read_thread_cpu();
// CPU time of the whole process (all threads, including ended ones).
double process_cpu_seconds();
// The name GNU Radio 3.10 gives a block's thread (thread-per-block scheduler:
// name + unique id, shortened to 16 characters keeping the id), as the kernel keeps it
// (15 characters).
std::string gr_block_thread_name(const std::string& block_name, long unique_id);

} // namespace modemd

// Parallel in-order FEC decoding: see dualsat/fec_worker_pool.h.
//
// Slots form a ring indexed by sequence number modulo capacity. A frame moves
// Free -> Queued (submit) -> Decoding (a worker took it; the slot belongs to that worker
// until it marks it Done) -> Done -> Free (pop). Workers take frames in sequence order, so
// the oldest frames are decoded first and the in-order head is never starved.
#include <dualsat/rx/fec_worker_pool.h>

#include <dualsat/core/error.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace dualsat {

FecWorkerPool::FecWorkerPool(const FecReceiverOptions& options, unsigned threads,
                             size_t queue_frames)
    : m_options(options), m_max_iterations(options.ldpc.max_iterations)
{
    if (threads == 0)
        threads = std::max(1u, std::thread::hardware_concurrency());
    // Validate the options on this thread (a worker could only report them later).
    { FecFrameDecoder probe(options); }
    m_slots.resize(static_cast<size_t>(threads) + queue_frames);
    m_workers.reserve(threads);
    try {
        for (unsigned i = 0; i < threads; ++i)
            m_workers.emplace_back(&FecWorkerPool::worker_main, this, static_cast<size_t>(i));
    } catch (...) {
        shutdown();
        throw;
    }
}

FecWorkerPool::~FecWorkerPool() { shutdown(); }

size_t FecWorkerPool::in_flight() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return static_cast<size_t>(m_next_submit - m_next_pop);
}

void FecWorkerPool::set_ready_callback(std::function<void()> callback)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_ready_callback = std::move(callback);
}

void FecWorkerPool::set_max_iterations(int max_iterations)
{
    if (max_iterations < 1)
        throw ConfigError("LDPC max_iterations must be >= 1");
    std::lock_guard<std::mutex> lock(m_mutex);
    m_max_iterations = max_iterations;
}

void FecWorkerPool::enqueue_locked(RxFecFrame& frame)
{
    Slot& s = m_slots[static_cast<size_t>(m_next_submit % m_slots.size())];
    s.frame.format = frame.format;
    s.frame.noise_variance = frame.noise_variance;
    s.frame.frame_counter = frame.frame_counter;
    s.frame.symbols.swap(frame.symbols);
    frame.symbols.clear();
    s.state = SlotState::Queued;
    ++m_next_submit;
    m_work_cv.notify_one();
}

uint64_t FecWorkerPool::submit(RxFecFrame& frame)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_space_cv.wait(lock, [&] { return m_stop || m_next_submit - m_next_pop < m_slots.size(); });
    if (m_stop)
        throw Error("FecWorkerPool: submit after shutdown");
    const uint64_t seq = m_next_submit;
    enqueue_locked(frame);
    return seq;
}

bool FecWorkerPool::try_submit(RxFecFrame& frame)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_stop)
        throw Error("FecWorkerPool: submit after shutdown");
    if (m_next_submit - m_next_pop >= m_slots.size())
        return false;
    enqueue_locked(frame);
    return true;
}

bool FecWorkerPool::take_locked(DecodedBbFrame& out)
{
    Slot& s = m_slots[static_cast<size_t>(m_next_pop % m_slots.size())];
    std::swap(out.stats, s.result.stats);
    out.bytes.swap(s.result.bytes);
    s.state = SlotState::Free;
    ++m_next_pop;
    m_space_cv.notify_one();
    return true;
}

bool FecWorkerPool::try_pop(DecodedBbFrame& out)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_stop || m_next_pop == m_next_submit)
        return false;
    if (m_slots[static_cast<size_t>(m_next_pop % m_slots.size())].state != SlotState::Done)
        return false;
    return take_locked(out);
}

bool FecWorkerPool::pop(DecodedBbFrame& out)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    auto ready = [&] {
        return m_stop || m_next_pop == m_next_submit ||
               m_slots[static_cast<size_t>(m_next_pop % m_slots.size())].state == SlotState::Done;
    };
    m_done_cv.wait(lock, ready);
    if (m_stop || m_next_pop == m_next_submit)
        return false;
    return take_locked(out);
}

bool FecWorkerPool::pop_for(DecodedBbFrame& out, unsigned timeout_ms)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    auto ready = [&] {
        return m_stop || m_next_pop == m_next_submit ||
               m_slots[static_cast<size_t>(m_next_pop % m_slots.size())].state == SlotState::Done;
    };
    if (!m_done_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready))
        return false;
    if (m_stop || m_next_pop == m_next_submit)
        return false;
    return take_locked(out);
}

void FecWorkerPool::worker_main(size_t /*index*/)
{
    FecFrameDecoder decoder(m_options);
    int iterations = m_options.ldpc.max_iterations;
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_work_cv.wait(lock, [&] { return m_stop || m_next_dispatch < m_next_submit; });
        if (m_stop)
            return;
        const uint64_t seq = m_next_dispatch++;
        Slot& s = m_slots[static_cast<size_t>(seq % m_slots.size())];
        s.state = SlotState::Decoding;
        const int cap = m_max_iterations;
        lock.unlock();

        // The slot is this worker's until it is marked Done.
        if (cap != iterations) {
            decoder.set_max_iterations(cap);
            iterations = cap;
        }
        try {
            decoder.decode(s.frame, s.result);
        } catch (...) {
            // decode() reports bad input by status; anything else (allocation failure)
            // must still not stall the in-order output.
            s.result.bytes.clear();
            s.result.stats.status = FecFrameStatus::BadInput;
        }

        lock.lock();
        s.state = SlotState::Done;
        if (seq == m_next_pop) {
            m_done_cv.notify_all();
            if (m_ready_callback) {
                auto cb = m_ready_callback;
                lock.unlock();
                cb();
                lock.lock();
            }
        }
    }
}

void FecWorkerPool::shutdown()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_work_cv.notify_all();
    m_space_cv.notify_all();
    m_done_cv.notify_all();
    for (auto& t : m_workers)
        if (t.joinable())
            t.join();
}

} // namespace dualsat

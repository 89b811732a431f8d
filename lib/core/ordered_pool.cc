// SPDX-License-Identifier: GPL-3.0-or-later
//
// OrderedScheduler: see dualsat/core/ordered_pool.h.
//
// Every decision is taken under m_mutex: the sequence counters only grow
// (consumed <= claimed <= submitted), a job is claimed in sequence order, and a slot is
// owned by exactly one party at a time: the producer between reserving and publishing it
// (submitted - consumed < capacity proves nobody else holds it), the thread that claimed
// it until it marks it done, then the consumer until it bumps `consumed`. The data a slot
// holds therefore needs no lock of its own: each hand-over goes through m_mutex. The
// counters and done flags are atomics only so that a waiting thread can poll them
// without the lock before it sleeps; what it saw is checked again under the lock.
// A thread sleeps only after registering itself under the lock, and whoever changes what
// it waits for checks that registration under the same lock, so no wake-up is lost and
// none is sent (a system call) when nobody sleeps.
#include <dualsat/core/ordered_pool.h>

#include <dualsat/core/error.h>
#include <dualsat/core/thread_scheduling.h>

#ifdef __linux__
#include <pthread.h>
#endif

namespace dualsat {
namespace {

// Polls ready() for up to `spin`; true as soon as it holds.
template <typename Ready>
bool spin_until(std::chrono::microseconds spin, Ready&& ready)
{
    if (spin.count() <= 0)
        return false;
    const auto until = std::chrono::steady_clock::now() + spin;
    for (;;) {
        for (int i = 0; i < 32; ++i) {
            if (ready())
                return true;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        if (std::chrono::steady_clock::now() >= until)
            return false;
        std::this_thread::yield(); // the machine may be oversubscribed
    }
}

} // namespace

OrderedScheduler::OrderedScheduler(const OrderedPoolOptions& options, Run run)
    : m_options(options), m_run(std::move(run))
{
    if (m_options.capacity == 0)
        throw ConfigError(m_options.name + ": capacity must be at least 1");
    m_state.reset(new SlotState[m_options.capacity]);
    m_threads.reserve(m_options.threads);
    try {
        for (unsigned i = 0; i < m_options.threads; ++i)
            m_threads.emplace_back(&OrderedScheduler::worker_main, this, i);
    } catch (...) {
        shutdown();
        throw;
    }
}

OrderedScheduler::~OrderedScheduler() { shutdown(); }

size_t OrderedScheduler::in_flight() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return static_cast<size_t>(m_submitted.load(std::memory_order_relaxed) -
                               m_consumed.load(std::memory_order_relaxed));
}

void OrderedScheduler::set_ready_callback(std::function<void()> callback)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_ready_callback = std::move(callback);
}

void OrderedScheduler::run_claimed(uint64_t seq, unsigned worker,
                                   std::unique_lock<std::mutex>& lock)
{
    lock.unlock();
    std::exception_ptr error;
    try {
        m_run(seq, worker);
    } catch (...) {
        error = std::current_exception();
    }
    lock.lock();
    SlotState& s = state(seq);
    s.error = std::move(error);
    s.done.store(true, std::memory_order_release);
    if (--m_running == 0 && m_reset_waiting)
        m_idle_cv.notify_all();
    if (seq != m_consumed.load(std::memory_order_relaxed))
        return; // not the oldest: whoever waits, waits for an earlier one
    if (m_consumer_sleeping)
        m_done_cv.notify_all();
    if (m_ready_callback && worker < m_options.threads) {
        const std::function<void()> callback = m_ready_callback;
        lock.unlock();
        callback();
        lock.lock();
    }
}

void OrderedScheduler::worker_main(unsigned index)
{
#ifdef __linux__
    if (!m_options.thread_name.empty())
        // The worker index appended where it fits (Linux: 15 characters), so that the
        // workers' CPU can be told apart too ("dualsat-fec0", "dualsat-fec1").
        pthread_setname_np(pthread_self(),
                           (m_options.thread_name + std::to_string(index)).substr(0, 15).c_str());
#endif
    if (m_options.batch_scheduling)
        set_batch_scheduling(); // refused: the inherited policy, which works as well
    const auto work_or_stop = [this] {
        return m_stop.load(std::memory_order_acquire) ||
               m_claimed.load(std::memory_order_acquire) <
                   m_submitted.load(std::memory_order_acquire);
    };
    std::unique_lock<std::mutex> lock(m_mutex);
    bool spun = false;
    for (;;) {
        if (m_stop.load(std::memory_order_relaxed))
            return;
        const uint64_t seq = m_claimed.load(std::memory_order_relaxed);
        if (seq < m_submitted.load(std::memory_order_relaxed)) {
            m_claimed.store(seq + 1, std::memory_order_release);
            ++m_running;
            run_claimed(seq, index, lock);
            spun = false;
            continue;
        }
        if (!spun && m_options.spin.count() > 0) {
            spun = true; // once per idle period, then sleep
            lock.unlock();
            spin_until(m_options.spin, work_or_stop);
            lock.lock();
            continue;
        }
        ++m_sleeping_workers;
        m_work_cv.wait(lock, [this] {
            return m_stop.load(std::memory_order_relaxed) ||
                   m_claimed.load(std::memory_order_relaxed) <
                       m_submitted.load(std::memory_order_relaxed);
        });
        --m_sleeping_workers;
        spun = false;
    }
}

bool OrderedScheduler::submit(bool block, RunOn where, detail::FunctionRef<void(uint64_t)> fill,
                              uint64_t& seq_out)
{
    std::lock_guard<std::mutex> producer(m_producers);
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        if (m_stop.load(std::memory_order_relaxed))
            throw Error(m_options.name + ": submit after shutdown");
        if (m_submitted.load(std::memory_order_relaxed) -
                m_consumed.load(std::memory_order_relaxed) <
            m_options.capacity)
            break;
        if (!block)
            return false;
        m_producer_sleeping = true;
        m_space_cv.wait(lock);
        m_producer_sleeping = false;
    }
    const uint64_t seq = m_submitted.load(std::memory_order_relaxed);
    lock.unlock();
    fill(seq); // the slot is free and only ours until published
    lock.lock();
    if (m_stop.load(std::memory_order_relaxed))
        throw Error(m_options.name + ": submit after shutdown");
    m_submitted.store(seq + 1, std::memory_order_release);
    seq_out = seq;
    if (where == RunOn::Caller || m_options.threads == 0) {
        // Claim this job and any still unclaimed before it (claims go in order), and run
        // them here: this one is done when submit returns.
        const uint64_t first = m_claimed.load(std::memory_order_relaxed);
        m_claimed.store(seq + 1, std::memory_order_release);
        m_running += static_cast<size_t>(seq + 1 - first);
        for (uint64_t job = first; job <= seq; ++job)
            run_claimed(job, m_options.threads, lock);
        return true;
    }
    if (m_sleeping_workers > 0)
        m_work_cv.notify_one();
    if (m_consumer_sleeping && m_options.caller_helps)
        m_done_cv.notify_all(); // a waiting consumer may run it
    return true;
}

bool OrderedScheduler::pop(Wait wait, Clock::time_point deadline,
                           detail::FunctionRef<void(uint64_t)> take)
{
    std::lock_guard<std::mutex> consumer(m_consumers);
    std::unique_lock<std::mutex> lock(m_mutex);
    // The head cannot move while we hold m_consumers (reset() takes it too).
    const uint64_t head = m_consumed.load(std::memory_order_relaxed);
    SlotState& s = state(head);
    const bool helps = m_options.caller_helps;
    const auto claimable = [this] {
        return m_claimed.load(std::memory_order_acquire) <
               m_submitted.load(std::memory_order_acquire);
    };
    const auto wake = [&] {
        return m_stop.load(std::memory_order_acquire) ||
               s.done.load(std::memory_order_acquire) || (helps && claimable());
    };
    bool spun = false;
    for (;;) {
        if (m_stop.load(std::memory_order_relaxed) ||
            head == m_submitted.load(std::memory_order_relaxed))
            return false; // stopped, or nothing in flight
        if (s.done.load(std::memory_order_relaxed))
            break;
        if (wait == Wait::No)
            return false;
        if (helps && claimable()) {
            const uint64_t seq = m_claimed.load(std::memory_order_relaxed);
            m_claimed.store(seq + 1, std::memory_order_release);
            ++m_running;
            run_claimed(seq, m_options.threads, lock);
            continue;
        }
        if (!spun && m_options.spin.count() > 0) {
            spun = true;
            lock.unlock();
            spin_until(m_options.spin, wake);
            lock.lock();
            continue;
        }
        m_consumer_sleeping = true;
        bool woken = true;
        if (wait == Wait::Until)
            woken = m_done_cv.wait_until(lock, deadline, wake);
        else
            m_done_cv.wait(lock, wake);
        m_consumer_sleeping = false;
        spun = false;
        if (!woken)
            return false;
    }

    lock.unlock();
    std::exception_ptr take_error;
    try {
        take(head);
    } catch (...) {
        take_error = std::current_exception();
    }
    lock.lock();
    std::exception_ptr job_error = std::move(s.error);
    s.error = nullptr;
    s.done.store(false, std::memory_order_relaxed);
    m_consumed.store(head + 1, std::memory_order_release);
    if (m_producer_sleeping)
        m_space_cv.notify_one();
    lock.unlock();
    if (take_error)
        std::rethrow_exception(take_error);
    if (job_error)
        std::rethrow_exception(job_error);
    return true;
}

void OrderedScheduler::reset()
{
    std::lock_guard<std::mutex> consumer(m_consumers);
    std::unique_lock<std::mutex> lock(m_mutex);
    // Jobs nobody has started are dropped: claimed as if run, never run.
    m_claimed.store(m_submitted.load(std::memory_order_relaxed), std::memory_order_release);
    m_reset_waiting = true;
    m_idle_cv.wait(lock, [this] { return m_running == 0; });
    m_reset_waiting = false;
    const uint64_t end = m_submitted.load(std::memory_order_relaxed);
    for (uint64_t seq = m_consumed.load(std::memory_order_relaxed); seq < end; ++seq) {
        state(seq).done.store(false, std::memory_order_relaxed);
        state(seq).error = nullptr;
    }
    m_consumed.store(end, std::memory_order_release);
    if (m_producer_sleeping)
        m_space_cv.notify_one();
}

void OrderedScheduler::shutdown()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true, std::memory_order_release);
    }
    m_work_cv.notify_all();
    m_done_cv.notify_all();
    m_space_cv.notify_all();
    std::lock_guard<std::mutex> joining(m_joining); // two shutdown() calls: one joins
    for (auto& t : m_threads)
        if (t.joinable())
            t.join();
}

} // namespace dualsat

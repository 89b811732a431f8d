// SPDX-License-Identifier: GPL-3.0-or-later
//
// OrderedPool: jobs run in parallel, results come out in the order the jobs went in.
//
// A producer submits jobs; each gets the next sequence number (0, 1, 2, ...) and the slot
// seq % capacity(), which it fills before the job is published. `threads` pool threads
// take published jobs in sequence order and run them (each with its worker index, for
// per-thread state); a consumer takes the results strictly in sequence order. With one
// pool thread the jobs therefore run one at a time in order (a pipeline stage with state).
//
//   Bounded:       at most capacity() jobs between submit and the matching pop. submit()
//                  blocks while the pool is full, try_submit() refuses.
//   Caller runs:   RunOn::Caller runs the job (and any job still waiting before it) on the
//                  submitting thread before submit returns; with threads = 0 every job
//                  runs so ("inline mode": no threads at all). With caller_helps, a pop()
//                  waiting for its result runs waiting jobs (this one or later ones)
//                  instead of sleeping.
//   Exceptions:    an exception thrown by a job is kept with its result and rethrown by
//                  the pop() that takes that result, after the slot is released: that job
//                  is lost, the ones after it are not.
//   Waiting:       a waiting thread polls for `spin` before it sleeps on a condition
//                  variable: when jobs take tens of microseconds, a wake-up (a futex round
//                  trip, far longer on a loaded machine) costs more than the poll.
//   shutdown():    jobs being run are completed, the others dropped, the threads joined;
//                  then submit throws Error and pop returns false. Idempotent; the
//                  destructor calls it.
//   reset():       drops the jobs not started and the results not taken, waits for the
//                  running jobs; the pool stays usable (sequence numbers go on).
//
// Threading: submit/try_submit may be called from several threads (they are serialised),
// so may pop/try_pop/pop_for; a producer and a consumer may run at the same time. A fill
// or take function owns its slot: nothing else touches it meanwhile. Not from inside a
// job or the ready callback: submit, pop, reset, shutdown (they may wait for that job).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace dualsat {

struct OrderedPoolOptions {
    unsigned threads = 0;    // pool threads; 0 = inline: every job runs on the submitter
    size_t capacity = 1;     // jobs submitted and not yet popped, at most (>= 1)
    bool caller_helps = false; // a waiting pop() runs jobs rather than sleep
    std::chrono::microseconds spin{ 0 }; // poll this long before sleeping
    std::string name = "OrderedPool";    // in error messages
    // The pool threads' name as the OS shows it (Linux: at most 15 characters, longer is
    // cut), so per-thread CPU time (top -H, /proc/PID/task) can be told apart; empty: the
    // creating thread's name, inherited.
    std::string thread_name;
    // The pool threads under SCHED_BATCH (dualsat/core/thread_scheduling.h): throughput
    // workers that should not preempt the thread that hands them work. Where the system
    // refuses, they keep the creating thread's policy.
    bool batch_scheduling = false;
};

enum class RunOn : uint8_t {
    Pool,   // a pool thread runs it (the submitter, in inline mode)
    Caller, // the submitting thread runs it before submit returns
};

namespace detail {

// A non-owning reference to a callable (no allocation, unlike std::function).
template <typename Signature>
class FunctionRef;
template <typename R, typename... Args>
class FunctionRef<R(Args...)>
{
public:
    template <typename F,
              typename = std::enable_if_t<!std::is_same<std::decay_t<F>, FunctionRef>::value>>
    FunctionRef(F& f) // NOLINT: implicit on purpose
        : m_object(&f), m_call([](void* o, Args... a) -> R {
              return (*static_cast<F*>(o))(std::forward<Args>(a)...);
          })
    {
    }
    R operator()(Args... a) const { return m_call(m_object, std::forward<Args>(a)...); }

private:
    void* m_object;
    R (*m_call)(void*, Args...);
};

} // namespace detail

// The scheduling without the slots: sequence numbers, threads, waiting. OrderedPool<Slot>
// below is what users take.
class OrderedScheduler
{
public:
    // run(seq, worker): worker is 0 .. threads-1 on a pool thread, threads on a caller.
    using Run = std::function<void(uint64_t seq, unsigned worker)>;
    using Clock = std::chrono::steady_clock;
    enum class Wait : uint8_t { No, Yes, Until };

    // ConfigError for capacity 0. Starts the threads.
    OrderedScheduler(const OrderedPoolOptions& options, Run run);
    ~OrderedScheduler();
    OrderedScheduler(const OrderedScheduler&) = delete;
    OrderedScheduler& operator=(const OrderedScheduler&) = delete;

    unsigned threads() const { return m_options.threads; }
    size_t capacity() const { return m_options.capacity; }
    size_t in_flight() const;
    bool stopped() const { return m_stop.load(std::memory_order_acquire); }

    // fill(seq) prepares the job's slot. false when !block and the pool is full (nothing
    // consumed); Error after shutdown. If fill throws, nothing is submitted.
    bool submit(bool block, RunOn where, detail::FunctionRef<void(uint64_t)> fill,
                uint64_t& seq);
    // take(seq) reads the oldest result's slot. false when nothing is in flight, after
    // shutdown, or (Wait::No / Wait::Until) when it is not ready (in time).
    bool pop(Wait wait, Clock::time_point deadline, detail::FunctionRef<void(uint64_t)> take);

    // Called on the pool thread that has just made the oldest result ready, without the
    // pool's lock (e.g. to wake a consumer; it may pop). Not for jobs run by a caller.
    void set_ready_callback(std::function<void()> callback);

    void reset();
    void shutdown();

private:
    struct SlotState {
        std::atomic<bool> done{ false }; // written under m_mutex, also polled without it
        std::exception_ptr error;
    };
    SlotState& state(uint64_t seq) { return m_state[static_cast<size_t>(seq % m_options.capacity)]; }
    // Runs job seq, already claimed (counted in m_running); lock is held on entry and exit.
    void run_claimed(uint64_t seq, unsigned worker, std::unique_lock<std::mutex>& lock);
    void worker_main(unsigned index);

    const OrderedPoolOptions m_options;
    const Run m_run;
    std::unique_ptr<SlotState[]> m_state;

    std::mutex m_producers, m_consumers; // serialise submitters, poppers
    std::mutex m_joining;                // serialises shutdown() calls
    mutable std::mutex m_mutex;          // everything below (the atomics: also polled)
    std::condition_variable m_work_cv, m_done_cv, m_space_cv, m_idle_cv;
    std::atomic<uint64_t> m_submitted{ 0 }; // jobs published
    std::atomic<uint64_t> m_claimed{ 0 };   // jobs taken by a thread to run (<= submitted)
    std::atomic<uint64_t> m_consumed{ 0 };  // results popped (<= claimed)
    std::atomic<bool> m_stop{ false };
    size_t m_running = 0; // claimed and not done
    unsigned m_sleeping_workers = 0;
    bool m_consumer_sleeping = false, m_producer_sleeping = false, m_reset_waiting = false;
    std::function<void()> m_ready_callback;
    std::vector<std::thread> m_threads;
};

// The pool with its slots: capacity() default-constructed Slot objects, reused in turn.
// job(slot, worker) runs a job; fill(slot) / take(slot) prepare a job and read a result.
template <typename Slot>
class OrderedPool
{
public:
    using Job = std::function<void(Slot&, unsigned worker)>;

    OrderedPool(const OrderedPoolOptions& options, Job job)
        : m_slots(new Slot[options.capacity > 0 ? options.capacity : 1]),
          m_job(std::move(job)),
          m_scheduler(options, [this](uint64_t seq, unsigned worker) { m_job(slot(seq), worker); })
    {
    }

    unsigned threads() const { return m_scheduler.threads(); }
    size_t capacity() const { return m_scheduler.capacity(); }
    size_t in_flight() const { return m_scheduler.in_flight(); }
    bool stopped() const { return m_scheduler.stopped(); }

    // Blocks while full; returns the job's sequence number. Error after shutdown.
    template <typename Fill>
    uint64_t submit(Fill&& fill, RunOn where = RunOn::Pool)
    {
        uint64_t seq = 0;
        auto f = [&](uint64_t s) { fill(slot(s)); };
        m_scheduler.submit(true, where, f, seq);
        return seq;
    }
    // false (fill not called) when full. Error after shutdown.
    template <typename Fill>
    bool try_submit(Fill&& fill, RunOn where = RunOn::Pool, uint64_t* seq = nullptr)
    {
        uint64_t s = 0;
        auto f = [&](uint64_t q) { fill(slot(q)); };
        const bool ok = m_scheduler.submit(false, where, f, s);
        if (ok && seq)
            *seq = s;
        return ok;
    }

    // The oldest result: waits for it (running jobs meanwhile with caller_helps). false
    // when nothing is in flight or after shutdown. Rethrows the job's exception.
    template <typename Take>
    bool pop(Take&& take)
    {
        auto t = [&](uint64_t s) { take(slot(s)); };
        return m_scheduler.pop(OrderedScheduler::Wait::Yes, {}, t);
    }
    // Same without waiting: false when the oldest result is not ready.
    template <typename Take>
    bool try_pop(Take&& take)
    {
        auto t = [&](uint64_t s) { take(slot(s)); };
        return m_scheduler.pop(OrderedScheduler::Wait::No, {}, t);
    }
    template <typename Take>
    bool pop_for(Take&& take, std::chrono::milliseconds timeout)
    {
        auto t = [&](uint64_t s) { take(slot(s)); };
        return m_scheduler.pop(OrderedScheduler::Wait::Until,
                               OrderedScheduler::Clock::now() + timeout, t);
    }

    void set_ready_callback(std::function<void()> callback)
    {
        m_scheduler.set_ready_callback(std::move(callback));
    }
    void reset() { m_scheduler.reset(); }
    void shutdown() { m_scheduler.shutdown(); }

private:
    Slot& slot(uint64_t seq) { return m_slots[static_cast<size_t>(seq % m_scheduler.capacity())]; }

    std::unique_ptr<Slot[]> m_slots;
    Job m_job;
    OrderedScheduler m_scheduler; // last: its threads stop before the slots go
};

} // namespace dualsat

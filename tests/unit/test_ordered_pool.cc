// SPDX-License-Identifier: GPL-3.0-or-later
//
// OrderedPool: results in submission order whatever the job durations, the capacity
// bound, exceptions carried to the consumer in their turn, shutdown and reset with work
// in flight, inline mode, the caller running jobs, several producers and consumers, and
// many short-lived pools of random shapes.
#include <catch2/catch.hpp>
#include <pthread.h>
#include <dualsat/core/error.h>
#include <dualsat/core/ordered_pool.h>
#include <dualsat/core/thread_scheduling.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace dualsat;
using namespace std::chrono_literals;

namespace {

struct Slot {
    uint64_t input = 0;
    uint64_t output = 0;
    unsigned worker = 0;
    std::thread::id thread;
    std::string name; // the running thread's OS name
};

uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// A job of random length: 0..max_us of sleep or of spinning, so that later jobs often
// finish before earlier ones.
void random_delay(uint64_t key, int max_us)
{
    if (max_us <= 0)
        return;
    const auto us = std::chrono::microseconds(mix(key) % static_cast<uint64_t>(max_us));
    if (mix(key + 1) % 2 == 0) {
        std::this_thread::sleep_for(us);
    } else {
        const auto until = std::chrono::steady_clock::now() + us;
        while (std::chrono::steady_clock::now() < until) {
        }
    }
}

OrderedPoolOptions options(unsigned threads, size_t capacity, bool helps = false,
                           std::chrono::microseconds spin = 0us)
{
    OrderedPoolOptions o;
    o.threads = threads;
    o.capacity = capacity;
    o.caller_helps = helps;
    o.spin = spin;
    o.name = "test pool";
    return o;
}

} // namespace

TEST_CASE("OrderedPool: results in submission order under random job durations",
          "[ordered_pool]")
{
    const unsigned threads = GENERATE(1u, 2u, 4u);
    const bool helps = GENERATE(false, true);
    const auto spin = GENERATE(0us, 50us);
    INFO("threads " << threads << " caller_helps " << helps << " spin " << spin.count());
    std::atomic<int> runs{ 0 };
    OrderedPool<Slot> pool(options(threads, 2 * threads + 1, helps, spin),
                           [&](Slot& s, unsigned worker) {
                               random_delay(s.input, 300);
                               s.output = mix(s.input);
                               s.worker = worker;
                               ++runs;
                           });
    CHECK(pool.threads() == threads);
    CHECK(pool.capacity() == 2 * threads + 1);
    const uint64_t jobs = 600;
    uint64_t next_in = 0, next_out = 0;
    bool in_order = true, right = true, workers_ok = true;
    const auto take = [&](Slot& s) {
        in_order &= s.input == next_out;
        right &= s.output == mix(next_out);
        workers_ok &= s.worker <= threads; // == threads: the caller ran it
        ++next_out;
    };
    std::mt19937 rng(7);
    while (next_out < jobs) {
        // Bursts of submissions and of pops of random length, so the queue is sometimes
        // full, sometimes empty.
        for (int n = static_cast<int>(rng() % 5); n > 0 && next_in < jobs; --n) {
            const uint64_t expect = next_in;
            uint64_t seq = 0;
            if (!pool.try_submit([&](Slot& s) { s.input = expect; }, RunOn::Pool, &seq)) {
                CHECK(pool.in_flight() == pool.capacity());
                break;
            }
            CHECK(seq == expect);
            ++next_in;
        }
        for (int n = static_cast<int>(rng() % 4); n > 0; --n) {
            if (rng() % 2 ? !pool.pop(take) : !pool.try_pop(take))
                break;
        }
    }
    CHECK(in_order);
    CHECK(right);
    CHECK(workers_ok);
    CHECK(runs.load() == static_cast<int>(jobs));
    CHECK(pool.in_flight() == 0);
    Slot dummy;
    CHECK_FALSE(pool.pop([&](Slot& s) { dummy = s; })); // nothing in flight: no wait
}

TEST_CASE("OrderedPool: back-pressure holds at most capacity jobs between fill and take",
          "[ordered_pool]")
{
    const size_t capacity = GENERATE(1u, 3u, 6u);
    INFO("capacity " << capacity);
    std::atomic<int> filled{ 0 }, taken{ 0 }, max_outstanding{ 0 };
    OrderedPool<Slot> pool(options(3, capacity), [](Slot& s, unsigned) {
        random_delay(s.input, 200);
        s.output = s.input;
    });
    const int jobs = 300;
    // A fast producer against a slow consumer: submit() must block, never overfill.
    std::thread producer([&] {
        for (int i = 0; i < jobs; ++i) {
            pool.submit([&](Slot& s) {
                s.input = static_cast<uint64_t>(i);
                const int outstanding = ++filled - taken.load();
                int seen = max_outstanding.load();
                while (outstanding > seen && !max_outstanding.compare_exchange_weak(seen, outstanding)) {
                }
            });
        }
    });
    bool in_order = true;
    for (int i = 0; i < jobs; ++i) {
        if (i % 7 == 0)
            std::this_thread::sleep_for(1ms);
        uint64_t got = ~0ull;
        // pop() returns false while nothing is in flight: the producer may lag.
        while (!pool.pop([&](Slot& s) {
            got = s.output;
            ++taken;
        }))
            std::this_thread::yield();
        in_order &= got == static_cast<uint64_t>(i);
    }
    producer.join();
    CHECK(in_order);
    CHECK(max_outstanding.load() <= static_cast<int>(capacity));
    CHECK(max_outstanding.load() >= 1);

    // try_submit on a full pool refuses without calling fill.
    std::atomic<bool> release{ false };
    OrderedPool<Slot> full(options(1, 2), [&](Slot&, unsigned) {
        while (!release.load())
            std::this_thread::yield();
    });
    full.submit([](Slot&) {});
    full.submit([](Slot&) {});
    bool called = false;
    CHECK_FALSE(full.try_submit([&](Slot&) { called = true; }));
    CHECK_FALSE(called);
    CHECK(full.in_flight() == 2);
    Slot out;
    CHECK_FALSE(full.try_pop([&](Slot& s) { out = s; })); // the head is still running
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(full.pop_for([&](Slot& s) { out = s; }, 20ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 20ms);
    release = true;
    CHECK(full.pop([&](Slot& s) { out = s; }));
    CHECK(full.try_submit([&](Slot&) { called = true; }));
    CHECK(called);
}

TEST_CASE("OrderedPool: a job's exception reaches the consumer in its turn", "[ordered_pool]")
{
    const unsigned threads = GENERATE(0u, 1u, 3u);
    INFO("threads " << threads);
    OrderedPool<Slot> pool(options(threads, 4), [](Slot& s, unsigned) {
        random_delay(s.input, 100);
        if (s.input % 5 == 3)
            throw ConfigError("job " + std::to_string(s.input));
        s.output = s.input * 10;
    });
    uint64_t next_in = 0;
    int thrown = 0, good = 0;
    for (uint64_t expect = 0; expect < 40; ++expect) {
        while (next_in < 40 && pool.try_submit([&](Slot& s) { s.input = next_in; }))
            ++next_in;
        uint64_t seen_input = ~0ull, seen_output = ~0ull;
        try {
            const bool popped = pool.pop([&](Slot& s) {
                seen_input = s.input;
                seen_output = s.output;
            });
            REQUIRE(popped);
            CHECK(expect % 5 != 3);
            CHECK(seen_output == expect * 10);
            ++good;
        } catch (const ConfigError& e) {
            CHECK(expect % 5 == 3);
            CHECK(std::string(e.what()) == "job " + std::to_string(expect));
            ++thrown;
        }
        CHECK(seen_input == expect); // take saw the slot, failed or not
    }
    CHECK(thrown == 8);
    CHECK(good == 32);
    CHECK(pool.in_flight() == 0);

    // A fill that throws submits nothing; a take that throws still frees the slot.
    CHECK_THROWS_AS(pool.submit([](Slot&) { throw std::runtime_error("fill"); }), std::runtime_error);
    CHECK(pool.in_flight() == 0);
    pool.submit([](Slot& s) { s.input = 1; });
    CHECK_THROWS_AS(pool.pop([](Slot&) { throw std::runtime_error("take"); }), std::runtime_error);
    CHECK(pool.in_flight() == 0);
    CHECK_THROWS_AS(OrderedPool<Slot>(options(2, 0), [](Slot&, unsigned) {}), ConfigError);
}

TEST_CASE("OrderedPool: shutdown while busy finishes running jobs, drops the rest, wakes "
          "the waiting",
          "[ordered_pool]")
{
    // Jobs held at a gate: the two pool threads hold one each when shutdown starts.
    std::atomic<int> started{ 0 }, finished{ 0 };
    std::atomic<bool> gate{ false };
    OrderedPool<Slot> pool(options(2, 6), [&](Slot&, unsigned) {
        ++started;
        while (!gate.load())
            std::this_thread::sleep_for(100us);
        ++finished;
    });
    for (int i = 0; i < 6; ++i)
        pool.submit([](Slot&) {});
    // A producer blocked on the full pool: released by shutdown with an Error.
    std::atomic<bool> producer_threw{ false };
    std::thread producer([&] {
        try {
            pool.submit([](Slot&) {});
        } catch (const Error&) {
            producer_threw = true;
        }
    });
    while (started.load() < 2)
        std::this_thread::yield();
    std::atomic<bool> shut{ false };
    std::thread stopper([&] {
        pool.shutdown();
        shut = true;
    });
    producer.join(); // woken by the stop, before the running jobs end
    CHECK(producer_threw.load());
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(shut.load()); // shutdown waits for the running jobs
    gate = true;
    stopper.join();
    CHECK(started.load() == 2); // the four queued jobs were dropped
    CHECK(finished.load() == 2);
    CHECK(pool.stopped());
    Slot out;
    CHECK_FALSE(pool.pop([&](Slot& s) { out = s; }));
    CHECK_FALSE(pool.try_pop([&](Slot& s) { out = s; }));
    CHECK_THROWS_AS(pool.submit([](Slot&) {}), Error);
    CHECK_THROWS_AS(pool.try_submit([](Slot&) {}), Error);
    pool.shutdown(); // idempotent

    // A consumer asleep in pop() is woken by a shutdown from another thread.
    std::atomic<bool> release{ false };
    OrderedPool<Slot> stuck(options(1, 2), [&](Slot&, unsigned) {
        while (!release.load())
            std::this_thread::sleep_for(1ms);
    });
    stuck.submit([](Slot&) {});
    std::atomic<int> popped{ -1 };
    std::thread consumer([&] { popped = stuck.pop([](Slot&) {}) ? 1 : 0; });
    std::this_thread::sleep_for(20ms);
    std::thread stuck_stopper([&] { stuck.shutdown(); });
    std::this_thread::sleep_for(20ms);
    release = true; // the running job ends; shutdown joins
    stuck_stopper.join();
    consumer.join();
    CHECK(popped.load() == 0);

    // Destroyed with jobs queued and running, never popped.
    for (int round = 0; round < 20; ++round) {
        OrderedPool<Slot> p(options(3, 8), [](Slot& s, unsigned) { random_delay(s.input, 500); });
        for (uint64_t i = 0; i < 8; ++i)
            p.submit([&](Slot& s) { s.input = i + 8 * static_cast<uint64_t>(round); });
    }
}

TEST_CASE("OrderedPool: inline mode runs every job on the submitting thread",
          "[ordered_pool]")
{
    int runs = 0; // no other thread: no atomics needed
    OrderedPool<Slot> pool(options(0, 3), [&](Slot& s, unsigned worker) {
        s.thread = std::this_thread::get_id();
        s.worker = worker;
        s.output = s.input + 1;
        ++runs;
    });
    for (uint64_t i = 0; i < 3; ++i) {
        pool.submit([&](Slot& s) { s.input = i; });
        CHECK(runs == static_cast<int>(i) + 1); // done before submit returned
    }
    CHECK_FALSE(pool.try_submit([](Slot&) {}));
    for (uint64_t i = 0; i < 3; ++i) {
        Slot got;
        REQUIRE(pool.try_pop([&](Slot& s) { got = s; }));
        CHECK(got.output == i + 1);
        CHECK(got.thread == std::this_thread::get_id());
        CHECK(got.worker == 0u);
    }
}

TEST_CASE("OrderedPool: RunOn::Caller and caller_helps run jobs on the caller's thread",
          "[ordered_pool]")
{
    // RunOn::Caller: done on this thread when submit returns, also with a pool.
    {
        OrderedPool<Slot> pool(options(2, 4), [](Slot& s, unsigned worker) {
            s.thread = std::this_thread::get_id();
            s.worker = worker;
        });
        pool.submit([](Slot&) {}, RunOn::Caller);
        Slot got;
        REQUIRE(pool.try_pop([&](Slot& s) { got = s; }));
        CHECK(got.thread == std::this_thread::get_id());
        CHECK(got.worker == 2u);
    }
    // caller_helps: the only pool thread is held by job 0 until job 2 has run, so job 2
    // can only run on the thread waiting in pop() for job 0.
    {
        std::atomic<bool> job0_started{ false }, job2_done{ false }, timed_out{ false };
        OrderedPool<Slot> pool(options(1, 4, true), [&](Slot& s, unsigned worker) {
            s.thread = std::this_thread::get_id();
            s.worker = worker;
            if (s.input == 0) {
                job0_started = true;
                const auto until = std::chrono::steady_clock::now() + 5s;
                while (!job2_done.load()) {
                    if (std::chrono::steady_clock::now() > until) {
                        timed_out = true;
                        break;
                    }
                    std::this_thread::sleep_for(100us);
                }
            }
            if (s.input == 2)
                job2_done = true;
        });
        for (uint64_t i = 0; i < 3; ++i) {
            // Job 0 first, alone, so the pool thread holds it before the others exist.
            pool.submit([&](Slot& s) { s.input = i; });
            while (i == 0 && !job0_started.load())
                std::this_thread::yield();
        }
        std::vector<Slot> got;
        while (pool.pop([&](Slot& s) { got.push_back(s); })) {
        }
        CHECK_FALSE(timed_out.load());
        REQUIRE(got.size() == 3);
        CHECK(got[2].thread == std::this_thread::get_id());
        CHECK(got[2].worker == 1u);
        CHECK(got[0].worker == 0u);
    }
}

TEST_CASE("OrderedPool: one pool thread is a sequential stage", "[ordered_pool]")
{
    // State carried from job to job without a lock: jobs run one at a time, in order.
    uint64_t state = 0;
    bool sequential = true;
    OrderedPool<Slot> pool(options(1, 5, false, 20us), [&](Slot& s, unsigned) {
        sequential &= s.input == state;
        random_delay(s.input, 50);
        state = s.input + 1;
        s.output = state;
    });
    uint64_t next_out = 0;
    for (uint64_t i = 0; i < 500; ++i) {
        while (!pool.try_submit([&](Slot& s) { s.input = i; })) {
            REQUIRE(pool.pop([&](Slot& s) { CHECK(s.output == ++next_out); }));
        }
    }
    while (pool.pop([&](Slot& s) { CHECK(s.output == ++next_out); })) {
    }
    CHECK(next_out == 500);
    CHECK(sequential);
}

TEST_CASE("OrderedPool: reset drops queued jobs and results, keeps the pool usable",
          "[ordered_pool]")
{
    // Jobs held at a gate (until the second round): reset must wait for the two running.
    std::atomic<int> started{ 0 }, runs{ 0 };
    std::atomic<bool> gate{ false };
    OrderedPool<Slot> pool(options(2, 8), [&](Slot& s, unsigned) {
        ++started;
        while (s.input < 100 && !gate.load())
            std::this_thread::sleep_for(100us);
        s.output = s.input * 3;
        ++runs;
    });
    for (uint64_t i = 0; i < 8; ++i)
        pool.submit([&](Slot& s) { s.input = i; });
    while (started.load() < 2)
        std::this_thread::yield();
    std::atomic<bool> done{ false };
    std::thread resetter([&] {
        pool.reset();
        done = true;
    });
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(done.load()); // waiting for the running jobs
    gate = true;
    resetter.join();
    CHECK(pool.in_flight() == 0);
    CHECK(runs.load() == 2);
    std::this_thread::sleep_for(20ms);
    CHECK(started.load() == 2); // the dropped jobs never run
    Slot out;
    CHECK_FALSE(pool.try_pop([&](Slot& s) { out = s; }));
    for (uint64_t i = 100; i < 110; ++i) {
        uint64_t seq = 0;
        REQUIRE(pool.try_submit([&](Slot& s) { s.input = i; }, RunOn::Pool, &seq) == (i < 108));
        if (i < 108)
            CHECK(seq == i - 100 + 8); // sequence numbers go on
    }
    for (uint64_t i = 100; i < 108; ++i) {
        REQUIRE(pool.pop([&](Slot& s) { out = s; }));
        CHECK(out.output == i * 3);
    }
}

TEST_CASE("OrderedPool: several producers and consumers, ready callback", "[ordered_pool]")
{
    std::atomic<int> callbacks{ 0 };
    OrderedPool<Slot> pool(options(3, 5), [](Slot& s, unsigned) {
        random_delay(s.input, 100);
        s.output = mix(s.input);
    });
    pool.set_ready_callback([&] { ++callbacks; });
    const uint64_t per_producer = 300;
    std::vector<std::thread> producers;
    for (uint64_t p = 0; p < 2; ++p)
        producers.emplace_back([&, p] {
            for (uint64_t i = 0; i < per_producer; ++i)
                pool.submit([&](Slot& s) { s.input = p << 32 | i; });
        });
    // Takes are serialised: the order they happen in is the submission order.
    std::mutex mutex;
    std::vector<uint64_t> inputs;
    bool outputs_ok = true;
    std::atomic<uint64_t> total{ 0 };
    std::vector<std::thread> consumers;
    for (int c = 0; c < 2; ++c)
        consumers.emplace_back([&] {
            while (total.load() < 2 * per_producer) {
                const bool got = pool.pop_for(
                    [&](Slot& s) {
                        std::lock_guard<std::mutex> lock(mutex);
                        inputs.push_back(s.input);
                        outputs_ok &= s.output == mix(s.input);
                        ++total;
                    },
                    5ms);
                if (!got)
                    std::this_thread::yield();
            }
        });
    for (auto& t : producers)
        t.join();
    for (auto& t : consumers)
        t.join();
    CHECK(outputs_ok);
    REQUIRE(inputs.size() == 2 * per_producer);
    // Each producer's jobs come out in the order it submitted them.
    uint64_t next[2] = { 0, 0 };
    bool per_producer_order = true;
    for (uint64_t v : inputs) {
        const size_t p = static_cast<size_t>(v >> 32);
        per_producer_order &= (v & 0xFFFFFFFFu) == next[p]++;
    }
    CHECK(per_producer_order);
    CHECK(callbacks.load() >= 1);
    CHECK(callbacks.load() <= static_cast<int>(2 * per_producer));
}

TEST_CASE("OrderedPool: many short-lived pools of random shapes", "[ordered_pool]")
{
    std::mt19937 rng(12345);
    for (int iteration = 0; iteration < 300; ++iteration) {
        const unsigned threads = rng() % 5;
        const size_t capacity = 1 + rng() % 6;
        const bool helps = rng() % 2;
        const auto spin = std::chrono::microseconds(rng() % 2 ? 30 : 0);
        const uint64_t jobs = rng() % 40;
        const uint64_t pop_limit = rng() % 3 == 0 ? rng() % (jobs + 1) : jobs; // destroy busy
        INFO("iteration " << iteration << " threads " << threads << " capacity " << capacity);
        OrderedPool<Slot> pool(options(threads, capacity, helps, spin), [](Slot& s, unsigned) {
            random_delay(s.input, 40);
            if (s.input % 11 == 10)
                throw Error("eleventh");
            s.output = s.input ^ 0x55;
        });
        uint64_t next_in = 0, next_out = 0;
        bool ok = true;
        while (next_out < pop_limit) {
            if (next_in < jobs && rng() % 2 &&
                pool.try_submit([&](Slot& s) { s.input = next_in; },
                                rng() % 8 == 0 ? RunOn::Caller : RunOn::Pool))
                ++next_in;
            else if (next_out < next_in) {
                try {
                    const bool popped =
                        pool.pop([&](Slot& s) { // also called for a failed job
                            ok &= s.input == next_out &&
                                  (next_out % 11 == 10 || s.output == (next_out ^ 0x55));
                        });
                    ok &= popped && next_out % 11 != 10;
                } catch (const Error&) {
                    ok &= next_out % 11 == 10;
                }
                ++next_out;
            }
        }
        CHECK(ok);
        if (rng() % 4 == 0)
            pool.reset();
    } // each pool destroyed here, often with jobs queued and running
}

TEST_CASE("OrderedPool: pool threads carry the configured name and their index",
          "[ordered_pool]")
{
    // What top -H and the real-time bench's per-stage CPU (from /proc/PID/task/TID/comm) see.
    OrderedPoolOptions po = options(2, 4);
    po.thread_name = "dualsat-test";
    OrderedPool<Slot> pool(po, [](Slot& s, unsigned worker) {
        char name[32] = {};
        ::pthread_getname_np(::pthread_self(), name, sizeof name);
        s.output = worker;
        s.name = name;
    });
    std::vector<std::string> names;
    for (uint64_t k = 0; k < 8; ++k) {
        pool.submit([&](Slot& s) { s.input = k; });
        REQUIRE(pool.pop([&](Slot& s) {
            CHECK(s.name == "dualsat-test" + std::to_string(s.output));
            names.push_back(s.name);
        }));
    }
    CHECK(names.size() == 8);
}

TEST_CASE("OrderedPool: a long thread name is cut to the 15 characters Linux keeps", "[ordered_pool]")
{
    OrderedPoolOptions po = options(1, 2);
    po.thread_name = "a-very-long-pool-name";
    OrderedPool<Slot> pool(po, [](Slot& s, unsigned) {
        char name[32] = {};
        ::pthread_getname_np(::pthread_self(), name, sizeof name);
        s.name = name;
    });
    pool.submit([](Slot& s) { s.input = 1; });
    REQUIRE(pool.pop([](Slot& s) { CHECK(s.name == "a-very-long-poo"); }));
}

TEST_CASE("OrderedPool: batch_scheduling puts the pool threads under SCHED_BATCH, the creator's "
          "policy unchanged",
          "[ordered_pool]")
{
    const bool creator_batch = dualsat::batch_scheduling();
    for (const bool batch : { true, false }) {
        OrderedPoolOptions o = options(2, 4);
        o.batch_scheduling = batch;
        std::atomic<int> batch_jobs{ 0 };
        OrderedPool<Slot> pool(o, [&](Slot& s, unsigned) {
            s.output = s.input;
            if (dualsat::batch_scheduling())
                ++batch_jobs;
        });
        for (uint64_t i = 0; i < 8; ++i) {
            pool.submit([&](Slot& s) { s.input = i; });
            pool.pop([](Slot&) {});
        }
        // Without the option the workers inherit the creating thread's policy.
#ifdef __linux__
        CHECK(batch_jobs.load() == (batch || creator_batch ? 8 : 0));
#endif
        CHECK(dualsat::batch_scheduling() == creator_batch);
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Parallel in-order FEC decoding: see dualsat/fec_worker_pool.h. The ordering, the bound
// and the shutdown are the OrderedPool's; this adds a decoder per thread.
#include <dualsat/rx/fec_worker_pool.h>

#include <dualsat/core/error.h>
#include <dualsat/core/ordered_pool.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace dualsat {

FecWorkerPool::FecWorkerPool(const FecReceiverOptions& options, unsigned threads,
                             size_t queue_frames, bool batch_scheduling)
    : m_options(options), m_max_iterations(options.ldpc.max_iterations)
{
    if (threads == 0)
        threads = std::max(1u, std::thread::hardware_concurrency());
    // Validate the options on this thread (a worker could only report them later).
    { FecFrameDecoder probe(options); }
    m_decoders.resize(threads);
    m_decoder_iterations.assign(threads, options.ldpc.max_iterations);
    OrderedPoolOptions po;
    po.threads = threads;
    po.capacity = static_cast<size_t>(threads) + queue_frames;
    po.name = "FecWorkerPool";
    po.thread_name = "dualsat-fec";
    // Frames take milliseconds: sleeping at once costs nothing, spinning would.
    po.spin = std::chrono::microseconds(0);
    po.batch_scheduling = batch_scheduling;
    m_pool = std::make_unique<OrderedPool<Slot>>(
        po, [this](Slot& slot, unsigned worker) { decode(slot, worker); });
}

FecWorkerPool::~FecWorkerPool() { shutdown(); }

unsigned FecWorkerPool::threads() const { return m_pool->threads(); }
size_t FecWorkerPool::capacity() const { return m_pool->capacity(); }
size_t FecWorkerPool::in_flight() const { return m_pool->in_flight(); }

void FecWorkerPool::set_ready_callback(std::function<void()> callback)
{
    m_pool->set_ready_callback(std::move(callback));
}

void FecWorkerPool::set_max_iterations(int max_iterations)
{
    if (max_iterations < 1)
        throw ConfigError("LDPC max_iterations must be >= 1");
    m_max_iterations.store(max_iterations, std::memory_order_relaxed);
}

// On pool thread `worker`; the slot is its own until it returns.
void FecWorkerPool::decode(Slot& s, unsigned worker)
{
    try {
        std::unique_ptr<FecFrameDecoder>& decoder = m_decoders[worker];
        if (!decoder)
            decoder = std::make_unique<FecFrameDecoder>(m_options);
        const int cap = m_max_iterations.load(std::memory_order_relaxed);
        if (cap != m_decoder_iterations[worker]) {
            decoder->set_max_iterations(cap);
            m_decoder_iterations[worker] = cap;
        }
        decoder->decode(s.frame, s.result);
    } catch (...) {
        // decode() reports bad input by status; anything else (allocation failure)
        // must still not stall the in-order output.
        s.result.bytes.clear();
        s.result.stats.status = FecFrameStatus::BadInput;
    }
}

namespace {

// Moves the frame into the slot's recycled buffers; the caller gets the slot's earlier
// symbol vector as it is, not cleared: the receiver's resize() to the next frame would
// then zero-fill all of it first (a pass over every data symbol, issue 14).
void fill_slot(RxFecFrame& slot, RxFecFrame& frame)
{
    slot.format = frame.format;
    slot.noise_variance = frame.noise_variance;
    slot.frame_counter = frame.frame_counter;
    slot.symbols.swap(frame.symbols);
}

void take_result(DecodedBbFrame& result, DecodedBbFrame& out)
{
    std::swap(out.stats, result.stats);
    out.bytes.swap(result.bytes);
}

} // namespace

uint64_t FecWorkerPool::submit(RxFecFrame& frame)
{
    return m_pool->submit([&](Slot& s) { fill_slot(s.frame, frame); });
}

bool FecWorkerPool::try_submit(RxFecFrame& frame)
{
    return m_pool->try_submit([&](Slot& s) { fill_slot(s.frame, frame); });
}

bool FecWorkerPool::pop(DecodedBbFrame& out)
{
    return m_pool->pop([&](Slot& s) { take_result(s.result, out); });
}

bool FecWorkerPool::try_pop(DecodedBbFrame& out)
{
    return m_pool->try_pop([&](Slot& s) { take_result(s.result, out); });
}

bool FecWorkerPool::pop_for(DecodedBbFrame& out, unsigned timeout_ms)
{
    return m_pool->pop_for([&](Slot& s) { take_result(s.result, out); },
                           std::chrono::milliseconds(timeout_ms));
}

void FecWorkerPool::shutdown() { m_pool->shutdown(); }

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
// Parallel FEC decoding: N worker threads, each with its own FecFrameDecoder, decode
// frames independently (no batching by MODCOD: every frame may differ); results come out
// strictly in submission order. The threading is an OrderedPool (dualsat/core/ordered_pool.h).
//
// Bounded: the pool holds at most capacity() = threads + queue_frames frames between
// submit() and the matching pop(). submit() blocks (or try_submit() refuses) while it is
// full. Latency bound: a frame's result is ready after at most capacity() frame-decode
// times of one worker, i.e. a frame waits behind at most threads + queue_frames - 1
// others. Memory is allocated per slot once and recycled by swapping buffers with the
// caller (submit swaps the frame's symbol vector, pop swaps the BBFRAME vector). The
// frame submitted gets the slot's earlier symbol vector back, contents unspecified, at
// the size of an earlier frame: a caller that refills it to the same size (a link of one
// format) writes over it without zero-filling it first.
//
// Shutdown (shutdown() or the destructor) with frames in flight is clean: queued frames
// are discarded, workers finish the frame they are decoding (at most one frame time)
// and are joined; submit() then throws Error and pop() returns false.
#pragma once

#include <dualsat/rx/fec_receiver.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace dualsat {

template <typename Slot>
class OrderedPool;

class FecWorkerPool
{
public:
    // threads = 0: std::thread::hardware_concurrency() (at least 1). queue_frames: frames
    // that may wait for a worker beyond one per thread (>= 0). batch_scheduling: the
    // workers under SCHED_BATCH (dualsat/core/thread_scheduling.h).
    explicit FecWorkerPool(const FecReceiverOptions& options = {}, unsigned threads = 0,
                           size_t queue_frames = 2, bool batch_scheduling = true);
    ~FecWorkerPool();
    FecWorkerPool(const FecWorkerPool&) = delete;
    FecWorkerPool& operator=(const FecWorkerPool&) = delete;

    unsigned threads() const;
    size_t capacity() const;
    // Frames submitted and not yet popped.
    size_t in_flight() const;

    // Queues a frame, blocking while the pool is full. The frame's content is swapped
    // with a recycled slot buffer (the caller gets an empty frame with spare capacity).
    // Returns the frame's sequence number (0, 1, 2, ... in submission order). Throws Error
    // after shutdown().
    uint64_t submit(RxFecFrame& frame);
    // Same without blocking: false (frame untouched) when the pool is full.
    bool try_submit(RxFecFrame& frame);

    // The next result in submission order, swapped into out. pop() waits for it; it
    // returns false only when nothing is in flight or after shutdown(). try_pop() returns
    // false when the next result is not ready yet.
    bool pop(DecodedBbFrame& out);
    bool try_pop(DecodedBbFrame& out);
    // Waits at most timeout_ms for the next result.
    bool pop_for(DecodedBbFrame& out, unsigned timeout_ms);

    // Called (from a worker thread, without the pool's lock) whenever the next result in
    // order has become ready; e.g. to wake a consumer thread. Set before submitting.
    void set_ready_callback(std::function<void()> callback);

    // Changes the LDPC iteration cap of every worker, from their next frame on.
    void set_max_iterations(int max_iterations);

    // Stops the workers (see above). Idempotent.
    void shutdown();

private:
    struct Slot {
        RxFecFrame frame;
        DecodedBbFrame result;
    };
    void decode(Slot& slot, unsigned worker);

    FecReceiverOptions m_options;
    std::atomic<int> m_max_iterations;
    // Per pool thread, made by that thread at its first frame, touched by it only.
    std::vector<std::unique_ptr<FecFrameDecoder>> m_decoders;
    std::vector<int> m_decoder_iterations;
    std::unique_ptr<OrderedPool<Slot>> m_pool; // last: its threads stop first
};

} // namespace dualsat

// SPDX-License-Identifier: GPL-3.0-or-later
#include "stream_buffers.h"

#include <gnuradio/block.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>

namespace modemd {

int stream_buffer_items(double sample_rate, size_t item_size)
{
    const double want = std::ceil(sample_rate * kStreamBufferSeconds);
    const double floor_items = 32768.0 / static_cast<double>(std::max<size_t>(item_size, 1));
    return static_cast<int>(std::min(std::max(want, floor_items), static_cast<double>(1 << 18)));
}

void size_stream_buffer(const gr::basic_block_sptr& block, double sample_rate)
{
    const gr::block_sptr b = gr::cast_to_block_sptr(block);
    if (!b)
        return; // a hier block: its inner blocks are sized where they are made
    const int outputs = b->output_signature()->max_streams();
    for (int port = 0; port < outputs; ++port) {
        const int items = stream_buffer_items(sample_rate, b->output_signature()->sizeof_stream_item(port));
        if (b->min_output_buffer(static_cast<size_t>(port)) < static_cast<long>(items))
            b->set_min_output_buffer(port, items);
    }
}

} // namespace modemd

// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/bit_interleaver_bb.h>

namespace py = pybind11;

void bind_bit_interleaver_bb(py::module& m)
{
    using blk = gr::dualsat::bit_interleaver_bb;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "bit_interleaver_bb", "DVB-S2 bit interleaver, bits in, symbol indices out (EN 302 307-1 5.3.3)")
        .def(py::init(&blk::make), py::arg("frame"), py::arg("rate"), py::arg("mod"))
        .def("input_frame_items", &blk::input_frame_items)
        .def("output_frame_items", &blk::output_frame_items);
}

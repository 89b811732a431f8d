// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/ldpc_encoder_bb.h>

namespace py = pybind11;

void bind_ldpc_encoder_bb(py::module& m)
{
    using blk = gr::dualsat::ldpc_encoder_bb;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "ldpc_encoder_bb", "DVB-S2 LDPC encoder, unpacked bits (EN 302 307-1 5.3.2)")
        .def(py::init(&blk::make), py::arg("frame"), py::arg("rate"))
        .def("input_frame_items", &blk::input_frame_items)
        .def("output_frame_items", &blk::output_frame_items);
}

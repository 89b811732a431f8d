// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/bb_scrambler_bb.h>

namespace py = pybind11;

void bind_bb_scrambler_bb(py::module& m)
{
    using blk = gr::dualsat::bb_scrambler_bb;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "bb_scrambler_bb", "DVB-S2 BBFRAME scrambler/descrambler (EN 302 307-1 5.2.2)")
        .def(py::init(&blk::make),
             py::arg("frame"),
             py::arg("rate"),
             py::arg("packed") = false)
        .def("frame_items", &blk::frame_items);
}

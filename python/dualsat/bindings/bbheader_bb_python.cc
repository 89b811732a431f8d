// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/bbheader_bb.h>

namespace py = pybind11;

void bind_bbheader_bb(py::module& m)
{
    using blk = gr::dualsat::bbheader_bb;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "bbheader_bb",
        "DVB-S2 TS mode adaptation: TS packets in, unscrambled BBFRAME bits out (EN 302 307-1 5.1)")
        .def(py::init(&blk::make),
             py::arg("frame"),
             py::arg("rate"),
             py::arg("rolloff") = ::dualsat::RollOff::R020)
        .def("frame_items", &blk::frame_items)
        .def("bytes_skipped", &blk::bytes_skipped)
        .def("frames_built", &blk::frames_built);
}

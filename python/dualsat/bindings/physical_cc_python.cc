// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/physical_cc.h>

namespace py = pybind11;

void bind_physical_cc(py::module& m)
{
    using blk = gr::dualsat::physical_cc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "physical_cc", "DVB-S2 PLFRAME framer: PLHEADER, pilots, PL scrambling (EN 302 307-1 5.5)")
        .def(py::init(&blk::make),
             py::arg("frame"),
             py::arg("rate"),
             py::arg("constellation"),
             py::arg("pilots") = false,
             py::arg("gold_code") = 0,
             py::arg("zero_stuff") = false)
        .def("data_symbols", &blk::data_symbols)
        .def("output_items_per_frame", &blk::output_items_per_frame)
        .def("plframe_symbols", &blk::plframe_symbols);
}

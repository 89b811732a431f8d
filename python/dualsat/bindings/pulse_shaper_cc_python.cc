// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/dualsat/pulse_shaper_cc.h>

namespace py = pybind11;

void bind_pulse_shaper_cc(py::module& m)
{
    using blk = gr::dualsat::pulse_shaper_cc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "pulse_shaper_cc", "DVB-S2 root-raised-cosine pulse shaper (EN 302 307-1 5.6)")
        .def(py::init(&blk::make),
             py::arg("rolloff"),
             py::arg("sps"),
             py::arg("span"),
             py::arg("output_rate_ratio") = 1.0)
        .def("output_sps", &blk::output_sps)
        .def("delay_symbols", &blk::delay_symbols)
        .def("taps", &blk::taps);
}

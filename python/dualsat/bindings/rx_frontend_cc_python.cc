// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/rx_frontend_cc.h>

namespace py = pybind11;

void bind_rx_frontend_cc(py::module& m)
{
    using blk = gr::dualsat::rx_frontend_cc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "rx_frontend_cc", "Receive front end: AGC, RRC matched filter, symbol timing recovery")
        .def(py::init(&blk::make),
             py::arg("symbol_rate"),
             py::arg("sample_rate"),
             py::arg("rolloff") = 0.35,
             py::arg("loop_bw") = 0.001)
        .def("clock_offset", &blk::clock_offset)
        .def("locked", &blk::locked)
        .def("lock_statistic", &blk::lock_statistic)
        .def("agc_gain_db", &blk::agc_gain_db)
        .def("nonfinite_count", &blk::nonfinite_count)
        .def("set_frequency_correction", &blk::set_frequency_correction, py::arg("cycles_per_symbol"));
}

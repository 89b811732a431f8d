// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/link_reporter.h>

namespace py = pybind11;

// After bind_acm_controller (the generated list is sorted): AcmClock is registered there.
void bind_link_reporter(py::module& m)
{
    using blk = gr::dualsat::link_reporter;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "link_reporter", "ACM link reports (35-byte PDUs) from rx_cb's stats, one per interval")
        .def(py::init(&blk::make),
             py::arg("symbol_rate"),
             py::arg("clock") = gr::dualsat::acm_clock::symbols,
             py::arg("interval_s") = 0.25,
             py::arg("link_id") = 0)
        .def("reports", &blk::reports)
        .def("frames_observed", &blk::frames_observed)
        .def("estimates_rejected", &blk::estimates_rejected)
        .def("bad_stats_messages", &blk::bad_stats_messages);
}

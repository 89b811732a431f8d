// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/pl_sync_cc.h>

namespace py = pybind11;

void bind_pl_sync_cc(py::module& m)
{
    using blk = gr::dualsat::pl_sync_cc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "pl_sync_cc", "DVB-S2 PL sync at symbol rate: frame sync, carrier recovery, descrambling")
        .def(py::init(&blk::make),
             py::arg("gold_code") = 0,
             py::arg("acquisition_threshold") = 8.0f,
             py::arg("confirm_frames") = 2,
             py::arg("max_missed_frames") = 3)
        .def("locked", &blk::locked)
        .def("frames_out", &blk::frames_out)
        .def("acquisitions", &blk::acquisitions)
        .def("lock_losses", &blk::lock_losses)
        .def("false_detections", &blk::false_detections)
        .def("missed_headers", &blk::missed_headers)
        .def("nonfinite_symbols", &blk::nonfinite_symbols);
}

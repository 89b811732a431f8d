// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/jammer_cc.h>

namespace py = pybind11;

void bind_jammer_cc(py::module& m)
{
    using blk = gr::dualsat::jammer_cc;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "jammer_cc", "Adds a CW, broadband, partial-band, pulsed or swept jammer at a set J/S")
        .def(py::init(&blk::make),
             py::arg("kind"),
             py::arg("js_db"),
             py::arg("signal_power") = 1.0,
             py::arg("sample_rate") = 1.0,
             py::arg("cw_offset") = 0.0,
             py::arg("band_low") = 0.0,
             py::arg("band_fraction") = 0.25,
             py::arg("duty") = 0.1,
             py::arg("period") = 1e-3,
             py::arg("sweep_low") = 0.0,
             py::arg("sweep_high") = 0.0,
             py::arg("seed") = 1)
        .def("set_js_db", &blk::set_js_db, py::arg("js_db"))
        .def("js_db", &blk::js_db)
        .def("jammer_power", &blk::jammer_power);
}

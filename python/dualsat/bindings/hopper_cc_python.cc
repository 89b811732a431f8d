// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/dualsat/dehopper_cc.h>
#include <gnuradio/dualsat/hopper_cc.h>

namespace py = pybind11;

// Both ends of keyed digital hopping. The direction argument has no default: its enum
// (LinkDirection) is bound with the protection settings, after this file.
void bind_hopper_cc(py::module& m)
{
    using tx = gr::dualsat::hopper_cc;
    py::class_<tx, gr::block, gr::basic_block, std::shared_ptr<tx>>(
        m, "hopper_cc", "Keyed digital frequency hopping: modem samples in, hop band at U x the rate out")
        .def(py::init(&tx::make),
             py::arg("key_file"),
             py::arg("link_id"),
             py::arg("direction"),
             py::arg("epoch"),
             py::arg("channels"),
             py::arg("channel_spacing"),
             py::arg("sample_rate"),
             py::arg("slot_samples"),
             py::arg("guard_samples"),
             py::arg("interpolation"),
             py::arg("filter_semi_length") = 8)
        .def("channel", &tx::channel, py::arg("slot"))
        .def("channel_offset", &tx::channel_offset, py::arg("channel"))
        .def("slots", &tx::slots)
        .def("interpolation", &tx::interpolation);

    using rx = gr::dualsat::dehopper_cc;
    py::class_<rx, gr::block, gr::basic_block, std::shared_ptr<rx>>(
        m, "dehopper_cc", "Keyed digital dehopping with per-dwell jam detection and erasure")
        .def(py::init(&rx::make),
             py::arg("key_file"),
             py::arg("link_id"),
             py::arg("direction"),
             py::arg("epoch"),
             py::arg("channels"),
             py::arg("channel_spacing"),
             py::arg("sample_rate"),
             py::arg("slot_samples"),
             py::arg("guard_samples"),
             py::arg("interpolation"),
             py::arg("filter_semi_length") = 8,
             py::arg("erase_jammed") = true,
             py::arg("threshold_db") = 3.0)
        .def("dwells", &rx::dwells)
        .def("jammed_dwells", &rx::jammed_dwells)
        .def("erased_samples", &rx::erased_samples)
        .def("jammed_by_channel", &rx::jammed_by_channel)
        .def("dwells_by_channel", &rx::dwells_by_channel)
        .def("reference_power", &rx::reference_power);
}

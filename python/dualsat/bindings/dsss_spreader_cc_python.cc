// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/dsss_despreader_cc.h>
#include <gnuradio/dualsat/dsss_spreader_cc.h>

namespace py = pybind11;

// Both ends of keyed DSSS (direction without a default: see hopper_cc_python.cc).
void bind_dsss_spreader_cc(py::module& m)
{
    using tx = gr::dualsat::dsss_spreader_cc;
    py::class_<tx, gr::block, gr::basic_block, std::shared_ptr<tx>>(
        m, "dsss_spreader_cc", "Keyed DSSS spreader: PL symbols in, chip-rate RRC samples out")
        .def(py::init(&tx::make),
             py::arg("key_file"),
             py::arg("link_id"),
             py::arg("direction"),
             py::arg("epoch"),
             py::arg("sf"),
             py::arg("rolloff") = 0.35,
             py::arg("span_chips") = 16,
             py::arg("samples_per_chip") = 2,
             py::arg("first_symbol_index") = 0)
        .def("sf", &tx::sf)
        .def("samples_per_chip", &tx::samples_per_chip)
        .def("delay_chips", &tx::delay_chips)
        .def("next_symbol_index", &tx::next_symbol_index);

    using rx = gr::dualsat::dsss_despreader_cc;
    py::class_<rx, gr::block, gr::basic_block, std::shared_ptr<rx>>(
        m, "dsss_despreader_cc", "Keyed DSSS despreader: acquisition, tracking, one symbol per PL symbol out")
        .def(py::init(&rx::make),
             py::arg("key_file"),
             py::arg("link_id"),
             py::arg("direction"),
             py::arg("epoch"),
             py::arg("sf"),
             py::arg("rolloff") = 0.35,
             py::arg("span_chips") = 16,
             py::arg("samples_per_chip") = 2,
             py::arg("first_symbol_index") = 0,
             py::arg("code_window_chips") = 64.0,
             py::arg("max_cfo") = 0.0,
             py::arg("acquisition_symbols") = 64,
             py::arg("false_alarm_probability") = 1e-6,
             py::arg("refine_symbols") = 256,
             py::arg("erasure_blocks") = 0,
             py::arg("reanchor_cycles_per_symbol") = 0.0)
        .def("locked", &rx::locked)
        .def("code_phase_chips", &rx::code_phase_chips)
        .def("cfo", &rx::cfo)
        .def("esn0_db", &rx::esn0_db)
        .def("lock_ratio", &rx::lock_ratio)
        .def("searches", &rx::searches)
        .def("acquisitions", &rx::acquisitions)
        .def("lock_losses", &rx::lock_losses)
        .def("symbols_out", &rx::symbols_out)
        .def("nonfinite_samples", &rx::nonfinite_samples)
        .def(
            "first_lock_samples",
            [](const rx& r) -> py::object {
                const auto a = r.first_acquisition();
                return a.detected ? py::object(py::int_(a.input_samples)) : py::object(py::none());
            },
            "Input samples consumed when the first acquisition detected (None before)");
}

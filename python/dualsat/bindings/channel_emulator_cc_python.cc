// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/channel_emulator_cc.h>

namespace py = pybind11;

void bind_channel_emulator_cc(py::module& m)
{
    using blk = gr::dualsat::channel_emulator_cc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "channel_emulator_cc", "AWGN (Es/N0), CFO + drift, phase noise, sample-clock offset, NaN injection")
        .def(py::init(&blk::make),
             py::arg("esn0_db"),
             py::arg("samples_per_symbol") = 1.0,
             py::arg("symbol_energy") = 1.0,
             py::arg("sample_rate") = 1.0,
             py::arg("frequency_offset") = 0.0,
             py::arg("frequency_drift") = 0.0,
             py::arg("phase_noise") = false,
             py::arg("sample_clock_offset_ppm") = 0.0,
             py::arg("nan_probability") = 0.0,
             py::arg("seed") = 1,
             py::arg("fast_noise") = false)
        .def("set_esn0_db", &blk::set_esn0_db, py::arg("esn0_db"))
        .def("set_frequency_offset", &blk::set_frequency_offset, py::arg("hz"))
        .def("set_signal_gain", &blk::set_signal_gain, py::arg("amplitude"))
        .def("noise_variance", &blk::noise_variance)
        .def("nans_injected", &blk::nans_injected);
}

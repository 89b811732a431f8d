// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/modulator_bc.h>

namespace py = pybind11;

void bind_modulator_bc(py::module& m)
{
    using blk = gr::dualsat::modulator_bc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "modulator_bc", "DVB-S2 constellation mapper (EN 302 307-1 5.4)")
        .def(py::init(&blk::make),
             py::arg("mod"),
             py::arg("rate"),
             py::arg("frame") = ::dualsat::FrameSize::Normal,
             py::arg("input") = ::dualsat::MapperInput::UnpackedBits,
             py::arg("scaling") = ::dualsat::ApskScaling::UnitAverageEnergy)
        .def("frame_input_items", &blk::frame_input_items)
        .def("frame_symbols", &blk::frame_symbols)
        .def("dropped_frames", &blk::dropped_frames);
}

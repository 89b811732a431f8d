// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/dualsat/hop_tuner.h>

namespace py = pybind11;

// hop_tuner and its test sink tune_command_recorder (direction without a default: see
// hopper_cc_python.cc).
void bind_hop_tuner(py::module& m)
{
    using blk = gr::dualsat::hop_tuner;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "hop_tuner", "Timed UHD tune commands (tags and/or messages) from the keyed hop schedule")
        .def(py::init(&blk::make),
             py::arg("key_file"),
             py::arg("link_id"),
             py::arg("direction"),
             py::arg("epoch"),
             py::arg("channels"),
             py::arg("channel_spacing"),
             py::arg("center_freq"),
             py::arg("sample_rate"),
             py::arg("slot_samples"),
             py::arg("guard_samples"),
             py::arg("lead_time") = 0.01,
             py::arg("settling_time") = 300e-6,
             py::arg("start_time_secs") = 0,
             py::arg("start_time_frac") = 0.0,
             py::arg("lo_offset") = 0.0,
             py::arg("emit_tags") = true,
             py::arg("emit_messages") = true,
             py::arg("time_tag_key") = "rx_time",
             py::arg("uhd_direction") = "",
             py::arg("tag_tx_time") = false)
        .def("channel", &blk::channel, py::arg("slot"))
        .def("tune_freq", &blk::tune_freq, py::arg("slot"))
        .def("slot_time", &blk::slot_time, py::arg("slot"))
        .def("lead_samples", &blk::lead_samples)
        .def("commands_issued", &blk::commands_issued)
        .def("late_commands", &blk::late_commands)
        .def("next_slot", &blk::next_slot)
        .def("bad_time_tags", &blk::bad_time_tags);

    using rec = gr::dualsat::tune_command_recorder;
    py::class_<rec, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<rec>>(
        m, "tune_command_recorder", "Test sink: records UHD tune commands from messages and tags")
        .def(py::init(&rec::make), py::arg("tag_key") = "tx_command")
        .def("message_freqs", &rec::message_freqs)
        .def("message_time_secs", &rec::message_time_secs)
        .def("message_time_fracs", &rec::message_time_fracs)
        .def("message_lo_offsets", &rec::message_lo_offsets)
        .def("tag_offsets", &rec::tag_offsets)
        .def("tag_freqs", &rec::tag_freqs)
        .def("tag_time_secs", &rec::tag_time_secs)
        .def("tag_time_fracs", &rec::tag_time_fracs)
        .def("malformed", &rec::malformed);
}

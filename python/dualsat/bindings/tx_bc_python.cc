// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/tx_bc.h>

namespace py = pybind11;

void bind_tx_bc(py::module& m)
{
    using ::dualsat::IdlePolicy;
    using ::dualsat::TransmitterStats;
    using ::dualsat::TxInputMode;
    py::enum_<TxInputMode>(m, "TxInputMode")
        .value("TS", TxInputMode::TransportStream)
        .value("GSE", TxInputMode::Gse);
    py::enum_<IdlePolicy>(m, "IdlePolicy")
        .value("DUMMY", IdlePolicy::Dummy)
        .value("WAIT", IdlePolicy::Wait);
    py::class_<TransmitterStats>(m, "TransmitterStats")
        .def_readonly("frames", &TransmitterStats::frames)
        .def_readonly("dummy_frames", &TransmitterStats::dummy_frames)
        .def_readonly("padded_frames", &TransmitterStats::padded_frames)
        .def_readonly("bytes_in", &TransmitterStats::bytes_in)
        .def_readonly("ts_packets_in", &TransmitterStats::ts_packets_in)
        .def_readonly("pdus_in", &TransmitterStats::pdus_in)
        .def_readonly("rejected_bytes", &TransmitterStats::rejected_bytes)
        .def_readonly("rejected_pdus", &TransmitterStats::rejected_pdus)
        .def_readonly("format_changes", &TransmitterStats::format_changes);

    using blk = gr::dualsat::tx_bc;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "tx_bc",
        "DVB-S2 transmitter: TS bytes or GSE PDUs in, PLFRAME symbols out (EN 302 307-1 5)")
        .def(py::init(&blk::make),
             py::arg("input"),
             py::arg("frame"),
             py::arg("rate"),
             py::arg("constellation"),
             py::arg("pilots") = false,
             py::arg("rolloff") = ::dualsat::RollOff::R020,
             py::arg("gold_code") = 0,
             py::arg("ccm") = true,
             py::arg("idle") = IdlePolicy::Dummy,
             py::arg("workers") = -1)
        .def("set_format", &blk::set_format, py::arg("format"))
        .def("format", &blk::format)
        .def("stats", &blk::stats)
        .def("bad_modcod_messages", &blk::bad_modcod_messages)
        .def("bad_pdu_messages", &blk::bad_pdu_messages)
        .def("work_errors", &blk::work_errors);
}

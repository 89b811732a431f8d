// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/tx_bc.h>

#include <cstdint>
#include <string>

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
        .value("WAIT", IdlePolicy::Wait)
        .value("SEALED_FILL", IdlePolicy::SealedFill);
    py::class_<TransmitterStats>(m, "TransmitterStats")
        .def_readonly("frames", &TransmitterStats::frames)
        .def_readonly("dummy_frames", &TransmitterStats::dummy_frames)
        .def_readonly("padded_frames", &TransmitterStats::padded_frames)
        .def_readonly("fill_frames", &TransmitterStats::fill_frames)
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
        .def("work_errors", &blk::work_errors)
        .def("protection", &blk::protection)
        .def("reload_keys", py::overload_cast<>(&blk::reload_keys))
        .def("set_epoch", &blk::set_epoch, py::arg("epoch"))
        .def_static("make_protected", &blk::make_protected,
                    py::arg("input"), py::arg("frame"), py::arg("rate"),
                    py::arg("constellation"), py::arg("pilots"), py::arg("rolloff"),
                    py::arg("gold_code"), py::arg("ccm"), py::arg("workers"),
                    py::arg("protection"));

    // The protected twin with flat keyword arguments (what GRC calls).
    m.def(
        "tx_protected_bc",
        [](TxInputMode input, ::dualsat::FrameSize frame, ::dualsat::CodeRate rate,
           ::dualsat::Modulation constellation, bool pilots, ::dualsat::RollOff rolloff,
           bool ccm, int workers, const std::string& key_file, int link_id,
           ::dualsat::LinkDirection direction, bool utc_epochs, int64_t epoch,
           int64_t slot_seconds, int64_t overlap_seconds, const std::string& nonce_state_file,
           bool transec, bool comsec, int pl_period, bool fixed_format, int gold_code,
           ::dualsat::PlTimeBase pl_time_base, double symbol_rate,
           bool codeword_interleaving) {
            gr::dualsat::protection_config p;
            p.key_file = key_file;
            p.link_id = link_id;
            p.direction = direction;
            p.utc_epochs = utc_epochs;
            p.epoch = epoch;
            p.slot_seconds = slot_seconds;
            p.overlap_seconds = overlap_seconds;
            p.nonce_state_file = nonce_state_file;
            p.transec = transec;
            p.comsec = comsec;
            p.pl_period = pl_period;
            p.pl_time_base = pl_time_base;
            p.symbol_rate = symbol_rate;
            p.fixed_format = fixed_format;
            p.codeword_interleaving = codeword_interleaving;
            return blk::make_protected(input, frame, rate, constellation, pilots, rolloff,
                                       gold_code, ccm, workers, p);
        },
        "Protected DVB-S2 transmitter (TRANSEC keyed PL, COMSEC AES-256-GCM, sealed fill)",
        py::arg("input"), py::arg("frame"), py::arg("rate"), py::arg("constellation"),
        py::arg("pilots") = false, py::arg("rolloff") = ::dualsat::RollOff::R020,
        py::arg("ccm") = true, py::arg("workers") = -1, py::arg("key_file"),
        py::arg("link_id") = 0, py::arg("direction") = ::dualsat::LinkDirection::Forward,
        py::arg("utc_epochs") = false, py::arg("epoch") = 0, py::arg("slot_seconds") = 3600,
        py::arg("overlap_seconds") = 60, py::arg("nonce_state_file") = "",
        py::arg("transec") = true, py::arg("comsec") = true, py::arg("pl_period") = 0,
        py::arg("fixed_format") = true, py::arg("gold_code") = 0,
        py::arg("pl_time_base") = ::dualsat::PlTimeBase::SampleCounter,
        py::arg("symbol_rate") = 0.0, py::arg("codeword_interleaving") = false);
}

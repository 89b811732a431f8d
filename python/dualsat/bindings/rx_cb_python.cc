// SPDX-License-Identifier: GPL-3.0-or-later
#include <pybind11/pybind11.h>

#include <gnuradio/dualsat/rx_cb.h>

#include <cstdint>
#include <string>

namespace py = pybind11;

void bind_rx_cb(py::module& m)
{
    using ::dualsat::ReceiverStatus;
    using S = ReceiverStatus;
    py::class_<S>(m, "ReceiverStatus", "Receiver lock, MODCOD, Es/N0, CFO, FER and counters")
        .def_readonly("locked", &S::locked)
        .def_readonly("timing_locked", &S::timing_locked)
        .def_property_readonly("sync_state",
                               [](const S& s) { return std::string(::dualsat::to_string(s.sync_state)); })
        .def_readonly("format_valid", &S::format_valid)
        .def_readonly("format", &S::format)
        .def_readonly("esn0_db", &S::esn0_db)
        .def_readonly("cfo", &S::cfo)
        .def_readonly("cfo_hz", &S::cfo_hz)
        .def_readonly("frequency_correction_hz", &S::frequency_correction_hz)
        .def_readonly("clock_offset_ppm", &S::clock_offset_ppm)
        .def_readonly("fer", &S::fer)
        .def_readonly("fer_total", &S::fer_total)
        .def_readonly("samples_in", &S::samples_in)
        .def_readonly("nonfinite_samples", &S::nonfinite_samples)
        .def_readonly("symbols", &S::symbols)
        .def_readonly("acquisitions", &S::acquisitions)
        .def_readonly("reacquisitions", &S::reacquisitions)
        .def_readonly("frequency_jumps", &S::frequency_jumps)
        .def_readonly("lock_losses", &S::lock_losses)
        .def_readonly("missed_headers", &S::missed_headers)
        .def_readonly("false_detections", &S::false_detections)
        .def_readonly("frames", &S::frames)
        .def_readonly("dummy_frames", &S::dummy_frames)
        .def_readonly("frames_ok", &S::frames_ok)
        .def_readonly("fill_frames", &S::fill_frames)
        .def_readonly("fec_failures", &S::fec_failures)
        .def_readonly("bad_headers", &S::bad_headers)
        .def_readonly("open_failures", &S::open_failures)
        .def_readonly("bad_frames", &S::bad_frames)
        .def_readonly("ts_packets", &S::ts_packets)
        .def_readonly("ts_crc_errors", &S::ts_crc_errors)
        .def_readonly("gse_pdus", &S::gse_pdus)
        .def_readonly("gse_crc_errors", &S::gse_crc_errors)
        .def_readonly("frequency_corrections", &S::frequency_corrections)
        .def_readonly("frames_in_flight", &S::frames_in_flight);

    using blk = gr::dualsat::rx_cb;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "rx_cb", "Whole DVB-S2 receiver: IQ samples in, TS bytes out, PDUs and stats as messages")
        .def(py::init(&blk::make),
             py::arg("symbol_rate"),
             py::arg("sample_rate"),
             py::arg("rolloff") = 0.35,
             py::arg("gold_code") = 0,
             py::arg("fec_threads") = 1,
             py::arg("afc") = true)
        .def("status", &blk::status)
        .def("locked", &blk::locked)
        .def("frames", &blk::frames)
        .def("frames_ok", &blk::frames_ok)
        .def("fec_failures", &blk::fec_failures)
        .def("ts_packets", &blk::ts_packets)
        .def("gse_pdus", &blk::gse_pdus)
        .def("lock_losses", &blk::lock_losses)
        .def("acquisitions", &blk::acquisitions)
        .def("esn0_db", &blk::esn0_db)
        .def("cfo_hz", &blk::cfo_hz)
        .def("work_errors", &blk::work_errors)
        .def("protection", &blk::protection)
        .def("reload_keys", py::overload_cast<>(&blk::reload_keys))
        .def("set_epoch", &blk::set_epoch, py::arg("epoch"))
        .def_static("make_protected", &blk::make_protected, py::arg("symbol_rate"),
                    py::arg("sample_rate"), py::arg("rolloff"), py::arg("gold_code"),
                    py::arg("fec_threads"), py::arg("afc"), py::arg("protection"));

    // The protected twin with flat keyword arguments (what GRC calls).
    m.def(
        "rx_protected_cb",
        [](double symbol_rate, double sample_rate, double rolloff, int fec_threads, bool afc,
           const std::string& key_file, int link_id, ::dualsat::LinkDirection direction,
           bool utc_epochs, int64_t epoch, int64_t slot_seconds, int64_t overlap_seconds,
           bool transec, bool comsec, int pl_period, int replay_window, int gold_code,
           ::dualsat::PlTimeBase pl_time_base, const py::object& frame_format,
           double pl_path_delay_s, int pl_search_window,
           bool codeword_interleaving) {
            gr::dualsat::protection_config p;
            p.key_file = key_file;
            p.link_id = link_id;
            p.direction = direction;
            p.utc_epochs = utc_epochs;
            p.epoch = epoch;
            p.slot_seconds = slot_seconds;
            p.overlap_seconds = overlap_seconds;
            p.transec = transec;
            p.comsec = comsec;
            p.pl_period = pl_period;
            p.pl_time_base = pl_time_base;
            // The link's fixed format, for the frame length the time base counts in.
            if (!frame_format.is_none())
                p.pl_frame_symbols = frame_format.cast<::dualsat::FrameFormat>().plframe_symbols();
            p.pl_path_delay_s = pl_path_delay_s;
            p.pl_search_window = pl_search_window;
            p.replay_window = replay_window;
            p.codeword_interleaving = codeword_interleaving;
            return blk::make_protected(symbol_rate, sample_rate, rolloff, gold_code, fec_threads,
                                       afc, p);
        },
        "Protected DVB-S2 receiver (TRANSEC keyed PL, COMSEC AES-256-GCM open, drop counters)",
        py::arg("symbol_rate"), py::arg("sample_rate"), py::arg("rolloff") = 0.35,
        py::arg("fec_threads") = 1, py::arg("afc") = true, py::arg("key_file"),
        py::arg("link_id") = 0, py::arg("direction") = ::dualsat::LinkDirection::Forward,
        py::arg("utc_epochs") = false, py::arg("epoch") = 0, py::arg("slot_seconds") = 3600,
        py::arg("overlap_seconds") = 60, py::arg("transec") = true, py::arg("comsec") = true,
        py::arg("pl_period") = 0, py::arg("replay_window") = 0, py::arg("gold_code") = 0,
        py::arg("pl_time_base") = ::dualsat::PlTimeBase::SampleCounter,
        py::arg("frame_format") = py::none(), py::arg("pl_path_delay_s") = 0.0,
        py::arg("pl_search_window") = 4, py::arg("codeword_interleaving") = false);
}

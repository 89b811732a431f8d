// SPDX-License-Identifier: GPL-3.0-or-later
// acm_controller and the ACM types it shows: its state (dualsat::AcmState), the ladder, and
// the wire report (dualsat::LinkReport) so that Python can build and read reports.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <dualsat/acm/link_report.h>
#include <gnuradio/dualsat/acm_controller.h>

#include <string>

namespace py = pybind11;

void bind_acm_controller(py::module& m)
{
    using ::dualsat::AcmRung;
    using ::dualsat::AcmState;
    using ::dualsat::LinkReport;
    using ::dualsat::PilotsPolicy;
    using gr::dualsat::acm_clock;

    py::enum_<acm_clock>(m, "AcmClock")
        .value("SYMBOLS", acm_clock::symbols)
        .value("WALL", acm_clock::wall);
    py::enum_<PilotsPolicy>(m, "PilotsPolicy")
        .value("ALWAYS", PilotsPolicy::Always)
        .value("NEVER", PilotsPolicy::Never)
        .value("APSK_ONLY", PilotsPolicy::ApskOnly);

    py::class_<AcmRung>(m, "AcmRung", "One format of the ACM ladder and the Es/N0 it needs")
        .def_readonly("modcod_number", &AcmRung::modcod_number)
        .def_readonly("format", &AcmRung::format)
        .def_readonly("threshold_db", &AcmRung::threshold_db)
        .def_readonly("efficiency", &AcmRung::efficiency);

    py::class_<AcmState>(m, "AcmState", "ACM controller state: decision, Es/N0, margin, counters")
        .def_property_readonly("format", [](const AcmState& s) { return s.decision.format; })
        .def_property_readonly(
            "modcod",
            [](const AcmState& s) { return ::dualsat::modcod_number(s.decision.format.modcod); })
        .def_property_readonly(
            "reason",
            [](const AcmState& s) { return std::string(::dualsat::to_string(s.decision.reason)); })
        .def_property_readonly("text", [](const AcmState& s) { return s.decision.text; })
        .def_property_readonly("decision_time_s",
                               [](const AcmState& s) { return s.decision.time_ns / 1e9; })
        .def_readonly("target", &AcmState::target)
        .def_readonly("fallback", &AcmState::fallback)
        .def_readonly("have_esn0", &AcmState::have_esn0)
        .def_readonly("reported_esn0_db", &AcmState::reported_esn0_db)
        .def_readonly("predicted_esn0_db", &AcmState::predicted_esn0_db)
        .def_readonly("slope_db_per_s", &AcmState::slope_db_per_s)
        .def_readonly("margin_db", &AcmState::margin_db)
        .def_readonly("trim_db", &AcmState::trim_db)
        .def_readonly("required_esn0_db", &AcmState::required_esn0_db)
        .def_readonly("loop_delay_s", &AcmState::loop_delay_s)
        .def_readonly("loop_delay_measured", &AcmState::loop_delay_measured)
        .def_readonly("report_loss", &AcmState::report_loss)
        .def_readonly("changes", &AcmState::changes)
        .def_readonly("step_ups", &AcmState::step_ups)
        .def_readonly("step_downs", &AcmState::step_downs)
        .def_readonly("fallbacks", &AcmState::fallbacks)
        .def_readonly("reports_accepted", &AcmState::reports_accepted)
        .def_readonly("reports_lost", &AcmState::reports_lost)
        .def_readonly("reports_duplicate", &AcmState::reports_duplicate)
        .def_readonly("reports_stale", &AcmState::reports_stale)
        .def_readonly("reports_wrong_link", &AcmState::reports_wrong_link)
        .def_readonly("sequence_resyncs", &AcmState::sequence_resyncs)
        .def_readonly("frames_ok", &AcmState::frames_ok)
        .def_readonly("frames_failed", &AcmState::frames_failed)
        .def_property_readonly("s_per_modcod", [](const AcmState& s) {
            py::dict d;
            for (size_t n = 0; n < s.ns_per_modcod.size(); ++n)
                if (s.ns_per_modcod[n] > 0)
                    d[py::int_(n)] = s.ns_per_modcod[n] / 1e9;
            return d;
        });

    py::class_<LinkReport>(m, "LinkReport", "ACM link-quality report (35 bytes on the wire)")
        .def(py::init<>())
        .def_readwrite("link_id", &LinkReport::link_id)
        .def_readwrite("sequence", &LinkReport::sequence)
        .def_readwrite("timestamp_ns", &LinkReport::timestamp_ns)
        .def_readwrite("locked", &LinkReport::locked)
        .def_readwrite("esn0_valid", &LinkReport::esn0_valid)
        .def_readwrite("esn0_db", &LinkReport::esn0_db)
        .def_readwrite("esn0_var_db2", &LinkReport::esn0_var_db2)
        .def_readwrite("frames_ok", &LinkReport::frames_ok)
        .def_readwrite("frames_failed", &LinkReport::frames_failed)
        .def_readwrite("last_modcod", &LinkReport::last_modcod)
        .def_readwrite("last_frame", &LinkReport::last_frame)
        .def_readwrite("last_pilots", &LinkReport::last_pilots)
        .def("encode",
             [](const LinkReport& r) {
                 const auto b = r.encode();
                 return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
             })
        // The report, or ValueError naming what is wrong with the bytes.
        .def_static("parse", [](const py::bytes& data) {
            const std::string s = data;
            LinkReport r;
            const auto status
                = LinkReport::parse(reinterpret_cast<const uint8_t*>(s.data()), s.size(), r);
            if (status != ::dualsat::LinkReportStatus::Ok)
                throw py::value_error(std::string("link report: ") + ::dualsat::to_string(status));
            return r;
        });

    using blk = gr::dualsat::acm_controller;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "acm_controller",
        "ACM: far-end receiver stats or link reports in, tx_bc modcod messages out")
        .def(py::init(&blk::make),
             py::arg("symbol_rate"),
             py::arg("clock") = acm_clock::symbols,
             py::arg("frame") = ::dualsat::FrameSize::Normal,
             py::arg("pilots") = PilotsPolicy::Always,
             py::arg("min_modcod") = 1,
             py::arg("max_modcod") = 28,
             py::arg("excluded_modulations") = "",
             py::arg("fallback_modcod") = 0,
             py::arg("margin_db") = 0.5,
             py::arg("hysteresis_db") = 0.4,
             py::arg("step_up_hold_s") = 1.0,
             py::arg("predict_fades") = true,
             py::arg("loop_delay_s") = 0.5,
             py::arg("report_interval_s") = 0.25,
             py::arg("report_timeout_s") = 1.0,
             py::arg("outer_loop") = true,
             py::arg("target_fer") = 1e-4,
             py::arg("feedback_delay_s") = 0.0,
             py::arg("link_id") = 0,
             py::arg("thresholds_file") = "",
             py::arg("implementation_loss_db") = 0.5,
             py::arg("short_frame_loss_db") = 0.3)
        .def("format", &blk::format)
        .def("state", &blk::state)
        .def("ladder", &blk::ladder)
        .def("malformed_reports", &blk::malformed_reports)
        .def("bad_stats_messages", &blk::bad_stats_messages)
        .def("frames_observed", &blk::frames_observed)
        .def("reports_generated", &blk::reports_generated)
        .def("now_s", &blk::now_s);
}

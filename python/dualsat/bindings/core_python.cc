// SPDX-License-Identifier: GPL-3.0-or-later
// Bindings of the modem core's value types and pure functions (no blocks), so Python
// users and tests can build MODCODs, headers and frame formats directly.
#include <pybind11/pybind11.h>
#include <pybind11/complex.h>
#include <pybind11/stl.h>

#include <dualsat/framing/bbheader.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/mapping/soft_demapper.h>
#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/dsp/rrc.h>

namespace py = pybind11;
using namespace dualsat;

void bind_core(py::module& m)
{
    static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
    py::register_exception<FrameError>(m, "FrameError", error.ptr());
    py::register_exception<ConfigError>(m, "ConfigError", PyExc_ValueError);

    py::enum_<FrameSize>(m, "FrameSize")
        .value("NORMAL", FrameSize::Normal)
        .value("SHORT", FrameSize::Short);
    py::enum_<CodeRate>(m, "CodeRate")
        .value("C1_4", CodeRate::R1_4)
        .value("C1_3", CodeRate::R1_3)
        .value("C2_5", CodeRate::R2_5)
        .value("C1_2", CodeRate::R1_2)
        .value("C3_5", CodeRate::R3_5)
        .value("C2_3", CodeRate::R2_3)
        .value("C3_4", CodeRate::R3_4)
        .value("C4_5", CodeRate::R4_5)
        .value("C5_6", CodeRate::R5_6)
        .value("C8_9", CodeRate::R8_9)
        .value("C9_10", CodeRate::R9_10);
    py::enum_<Modulation>(m, "Modulation")
        .value("QPSK", Modulation::QPSK)
        .value("PSK8", Modulation::PSK8)
        .value("APSK16", Modulation::APSK16)
        .value("APSK32", Modulation::APSK32);
    py::enum_<StreamType>(m, "StreamType")
        .value("GENERIC_PACKETIZED", StreamType::GenericPacketized)
        .value("GENERIC_CONTINUOUS", StreamType::GenericContinuous)
        .value("TRANSPORT", StreamType::Transport);
    py::enum_<RollOff>(m, "RollOff")
        .value("RO_0_35", RollOff::R035)
        .value("RO_0_25", RollOff::R025)
        .value("RO_0_20", RollOff::R020);

    py::class_<CodeParams>(m, "CodeParams")
        .def_readonly("frame", &CodeParams::frame)
        .def_readonly("rate", &CodeParams::rate)
        .def_readonly("kbch", &CodeParams::kbch)
        .def_readonly("nbch", &CodeParams::nbch)
        .def_readonly("t", &CodeParams::t)
        .def_readonly("nldpc", &CodeParams::nldpc);
    m.def("code_params", &code_params, py::arg("frame"), py::arg("rate"),
          py::return_value_policy::copy);
    m.def("code_exists", &code_exists);
    m.def("bits_per_symbol", &bits_per_symbol);

    py::class_<ModCod>(m, "ModCod")
        .def(py::init([](Modulation mod, CodeRate rate) { return ModCod{ mod, rate }; }),
             py::arg("mod"), py::arg("rate"))
        .def_readwrite("mod", &ModCod::mod)
        .def_readwrite("rate", &ModCod::rate)
        .def("number", [](const ModCod& mc) { return modcod_number(mc); })
        .def("__eq__", &ModCod::operator==)
        .def("__repr__", [](const ModCod& mc) { return "ModCod(" + to_string(mc) + ")"; });
    m.def("modcod_from_number", &modcod_from_number);
    m.def("parse_modcod", &parse_modcod);

    py::class_<FrameFormat>(m, "FrameFormat")
        .def(py::init([](ModCod mc, FrameSize frame, bool pilots) {
                 return FrameFormat{ mc, frame, pilots };
             }),
             py::arg("modcod"), py::arg("frame") = FrameSize::Normal, py::arg("pilots") = false)
        .def_readwrite("modcod", &FrameFormat::modcod)
        .def_readwrite("frame", &FrameFormat::frame)
        .def_readwrite("pilots", &FrameFormat::pilots)
        .def("code", &FrameFormat::code, py::return_value_policy::copy)
        .def("data_symbols", &FrameFormat::data_symbols)
        .def("slots", &FrameFormat::slots)
        .def("plframe_symbols", &FrameFormat::plframe_symbols)
        .def("__repr__", [](const FrameFormat& f) { return "FrameFormat(" + to_string(f) + ")"; });
    m.def("all_frame_formats", &all_frame_formats, py::arg("frame"), py::arg("pilots"));
    m.def("parse_frame_format", &parse_frame_format, py::arg("text"),
          py::arg("base") = FrameFormat{});

    py::class_<BbHeader>(m, "BbHeader")
        .def(py::init<>())
        .def_readwrite("stream_type", &BbHeader::stream_type)
        .def_readwrite("single_stream", &BbHeader::single_stream)
        .def_readwrite("ccm", &BbHeader::ccm)
        .def_readwrite("issyi", &BbHeader::issyi)
        .def_readwrite("npd", &BbHeader::npd)
        .def_readwrite("rolloff", &BbHeader::rolloff)
        .def_readwrite("matype2", &BbHeader::matype2)
        .def_readwrite("upl", &BbHeader::upl)
        .def_readwrite("dfl", &BbHeader::dfl)
        .def_readwrite("sync", &BbHeader::sync)
        .def_readwrite("syncd", &BbHeader::syncd)
        .def("__eq__", &BbHeader::operator==);
    m.def("encode_bbheader", [](const BbHeader& h) {
        auto b = encode_bbheader(h);
        return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
    });
    m.def("parse_bbheader",
          [](py::bytes data, size_t max_dfl) {
              std::string s = data;
              return parse_bbheader(reinterpret_cast<const uint8_t*>(s.data()), s.size(), max_dfl);
          },
          py::arg("data"), py::arg("max_dfl") = 0);
    m.def("crc8", [](py::bytes data) {
        std::string s = data;
        return crc8(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    });

    py::enum_<ApskScaling>(m, "ApskScaling")
        .value("UNIT_AVERAGE_ENERGY", ApskScaling::UnitAverageEnergy)
        .value("UNIT_OUTER_RING", ApskScaling::UnitOuterRing);
    py::enum_<MapperInput>(m, "MapperInput")
        .value("UNPACKED_BITS", MapperInput::UnpackedBits)
        .value("PACKED_BITS", MapperInput::PackedBits)
        .value("LABELS", MapperInput::Labels);
    py::enum_<DemapAlgorithm>(m, "DemapAlgorithm")
        .value("MAX_LOG", DemapAlgorithm::MaxLog)
        .value("EXACT_LOG", DemapAlgorithm::ExactLog);
    // The point of every label, index = label (EN 302 307-1 Figures 9-12).
    m.def("constellation_points",
          [](const ModCod& mc, ApskScaling scaling) {
              Constellation c(mc, scaling);
              return std::vector<std::complex<float>>(c.points(), c.points() + c.size());
          },
          py::arg("modcod"), py::arg("scaling") = ApskScaling::UnitAverageEnergy);
    // Float LLRs (positive = bit 0) of a list of symbols; the receive path uses the C++ API.
    m.def("soft_demap",
          [](const ModCod& mc, const std::vector<std::complex<float>>& symbols,
             float noise_variance, DemapAlgorithm algorithm) {
              SoftDemapper d(Constellation(mc), algorithm);
              std::vector<float> llr(symbols.size() * static_cast<size_t>(d.bits_per_symbol()));
              d.demap(symbols.data(), symbols.size(), noise_variance, llr.data(), llr.size());
              return llr;
          },
          py::arg("modcod"), py::arg("symbols"), py::arg("noise_variance"),
          py::arg("algorithm") = DemapAlgorithm::MaxLog);

    py::enum_<RrcNormalization>(m, "RrcNormalization")
        .value("TX_UNIT_POWER", RrcNormalization::TxUnitPower)
        .value("RX_MATCHED", RrcNormalization::RxMatched)
        .value("UNIT_ENERGY", RrcNormalization::UnitEnergy);
    m.def("rrc_taps", &rrc_taps, py::arg("rolloff"), py::arg("sps"), py::arg("span"),
          py::arg("norm") = RrcNormalization::TxUnitPower);
    m.def("rrc_num_taps", &rrc_num_taps, py::arg("sps"), py::arg("span"));
}

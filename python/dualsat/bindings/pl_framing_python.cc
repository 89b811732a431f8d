// SPDX-License-Identifier: GPL-3.0-or-later
// Bindings of the physical-layer framing core (PLHEADER, PL scrambling, PlFramer and
// PlDeframer with the standard sequences), for Python users and qa tests.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <dualsat/core/error.h>
#include <dualsat/pl/pl_framer.h>

#include <algorithm>
#include <string>

namespace py = pybind11;
using namespace dualsat;

namespace {

using carray = py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast>;

void require_length(const carray& a, py::ssize_t n, const char* what)
{
    if (a.ndim() != 1 || a.size() != n)
        throw ConfigError(std::string(what) + ": expected " + std::to_string(n) + " symbols, got " +
                          std::to_string(a.size()));
}

} // namespace

void bind_pl_framing(py::module& m)
{
    py::class_<PlsCode>(m, "PlsCode")
        .def(py::init([](int modcod, bool short_frame, bool pilots) {
                 if (modcod < 0 || modcod > 31)
                     throw ConfigError("MODCOD " + std::to_string(modcod) + " outside 0..31");
                 return PlsCode{ static_cast<uint8_t>(modcod), short_frame, pilots };
             }),
             py::arg("modcod") = 0, py::arg("short_frame") = false, py::arg("pilots") = false)
        .def_readwrite("modcod", &PlsCode::modcod)
        .def_readwrite("short_frame", &PlsCode::short_frame)
        .def_readwrite("pilots", &PlsCode::pilots)
        .def("bits", &PlsCode::bits)
        .def("__eq__", &PlsCode::operator==);

    py::enum_<PlsStatus>(m, "PlsStatus")
        .value("VALID", PlsStatus::Valid)
        .value("DUMMY", PlsStatus::Dummy)
        .value("RESERVED_MODCOD", PlsStatus::ReservedModcod)
        .value("UNDEFINED_FORMAT", PlsStatus::UndefinedFormat);

    py::class_<PlscDecision>(m, "PlscDecision")
        .def_readonly("code", &PlscDecision::code)
        .def_readonly("correlation", &PlscDecision::correlation)
        .def_readonly("margin", &PlscDecision::margin)
        .def_readonly("usable", &PlscDecision::usable);

    m.def("pls_code", &pls_code, py::arg("format"));
    m.def("plsc_codeword", &plsc_codeword, py::arg("pls_bits"));
    // (status, FrameFormat or None)
    m.def("interpret_pls", [](const PlsCode& code) {
        FrameFormat f;
        const PlsStatus st = interpret_pls(code, &f);
        return py::make_tuple(st, st == PlsStatus::Valid ? py::cast(f) : py::none());
    });
    m.def("plheader_symbols", [](const PlsCode& code) {
        carray out(kPlHeaderSymbols);
        plheader_symbols(code, out.mutable_data());
        return out;
    });
    m.def("decode_plsc", [](const carray& header) {
        require_length(header, kPlHeaderSymbols, "PLHEADER");
        return decode_plsc(header.data());
    });
    m.def("gold_sequence", [](uint32_t n, int length) {
        GoldScrambling g(n);
        const uint8_t* rn = g.rn(0, length);
        py::array_t<uint8_t> out(length);
        std::copy(rn, rn + length, out.mutable_data());
        return out;
    }, py::arg("n"), py::arg("length"));

    py::class_<PlFramer>(m, "PlFramer")
        .def(py::init<uint32_t>(), py::arg("gold_code") = 0)
        .def("frame",
             [](PlFramer& self, const FrameFormat& f, const carray& data) {
                 (void)pls_code(f);
                 require_length(data, f.data_symbols(), "XFECFRAME");
                 carray out(f.plframe_symbols());
                 self.frame(f, data.data(), out.mutable_data());
                 return out;
             },
             py::arg("format"), py::arg("data"))
        .def("dummy_frame",
             [](PlFramer& self) {
                 carray out(kDummyFrameSymbols);
                 self.dummy_frame(out.mutable_data());
                 return out;
             })
        .def_property("frame_counter", &PlFramer::frame_counter, &PlFramer::set_frame_counter);

    py::class_<PlDeframer>(m, "PlDeframer")
        .def(py::init<uint32_t>(), py::arg("gold_code") = 0)
        .def("decode_header",
             [](const PlDeframer& self, const carray& header, uint64_t frame_counter) {
                 require_length(header, kPlHeaderSymbols, "PLHEADER");
                 return self.decode_header(header.data(), frame_counter);
             },
             py::arg("header"), py::arg("frame_counter") = 0)
        // (data, pilots)
        .def("deframe",
             [](PlDeframer& self, const FrameFormat& f, const carray& plframe, uint64_t frame_counter) {
                 (void)pls_code(f);
                 require_length(plframe, f.plframe_symbols(), "PLFRAME");
                 carray data(f.data_symbols());
                 carray pilots(kPilotBlockSymbols * f.pilot_blocks());
                 self.deframe(f, plframe.data(), frame_counter, data.mutable_data(),
                              pilots.mutable_data());
                 return py::make_tuple(data, pilots);
             },
             py::arg("format"), py::arg("plframe"), py::arg("frame_counter") = 0);
}

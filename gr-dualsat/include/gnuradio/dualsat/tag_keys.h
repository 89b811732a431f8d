// SPDX-License-Identifier: GPL-3.0-or-later
// The names gr-dualsat's blocks agree on: message ports, stream tag keys, and the keys of
// the dicts these carry (a tag's value, a PDU's metadata, a per-frame stats message). One
// spelling per meaning, whichever block emits or reads it, so that one block's output can
// be read with the names another block documents. Who emits and who reads each key, its
// type and meaning: the table in the README's "Using the blocks" section. The same names
// are in Python as dualsat.msg_ports, dualsat.tag_keys and dualsat.dict_keys.
#pragma once

#include <pmt/pmt.h>

namespace gr {
namespace dualsat {

namespace msg_ports {
inline constexpr char modcod[] = "modcod"; // in: tx_bc, the format of the next PLFRAMEs
inline constexpr char pdus[] = "pdus";     // GSE PDUs: tx_bc in; rx_cb, fec_decoder out
inline constexpr char frames[] = "frames"; // in: fec_decoder, one XFECFRAME per PDU
inline constexpr char stats[] = "stats";   // out: rx_cb, fec_decoder, one dict per frame;
                                           // in: acm_controller
inline constexpr char reports[] = "reports";   // in: acm_controller, 35-byte link reports
inline constexpr char decision[] = "decision"; // out: acm_controller, a dict per decision
} // namespace msg_ports

namespace tag_keys {
// On the first output symbol of each PLFRAME (tx_bc) or of its data symbols (pl_sync_cc);
// the value is a dict with the keys below.
inline constexpr char plframe[] = "plframe";
} // namespace tag_keys

namespace dict_keys {
// The frame's format.
inline constexpr char modcod[] = "modcod";           // MODCOD number 1..28 (Table 12), 0 dummy
inline constexpr char modcod_name[] = "modcod_name"; // "8PSK 3/5"
inline constexpr char frame[] = "frame";             // "normal" / "short"
inline constexpr char pilots[] = "pilots";           // bool
inline constexpr char dummy[] = "dummy";             // bool: a dummy PLFRAME
inline constexpr char fill[] = "fill";               // bool: a sealed fill frame (protected idle)
inline constexpr char padded[] = "padded";           // bool: a data frame whose data field is not full
// Counting and sizes.
inline constexpr char frame_counter[] = "frame_counter"; // uint64, per block
inline constexpr char symbols[] = "symbols";             // whole PLFRAME: header, data, pilots
inline constexpr char data_symbols[] = "data_symbols";   // XFECFRAME only (no header, no pilots)
inline constexpr char dfl[] = "dfl";                     // BBFRAME data field length in bits
inline constexpr char packets[] = "packets";             // TS packets / GSE PDUs of the frame
// Receiver measurements.
inline constexpr char esn0_db[] = "esn0_db";
inline constexpr char esn0_db_smoothed[] = "esn0_db_smoothed";
inline constexpr char esn0_var_db2[] = "esn0_var_db2"; // variance of esn0_db, dB^2
inline constexpr char start_symbol[] = "start_symbol"; // receiver stream index of the PLHEADER
inline constexpr char noise_var[] = "noise_var"; // N0 = E|n|^2 of unit-energy symbols
inline constexpr char cfo[] = "cfo";             // carrier offset in cycles per symbol
inline constexpr char cfo_hz[] = "cfo_hz";       // carrier offset in Hz
inline constexpr char header_confirmed[] = "header_confirmed";
inline constexpr char carrier_fine[] = "carrier_fine";
// Decoding results.
inline constexpr char status[] = "status";
inline constexpr char ok[] = "ok";
inline constexpr char ldpc_iterations[] = "ldpc_iterations";
inline constexpr char ldpc_converged[] = "ldpc_converged";
inline constexpr char bch_corrected[] = "bch_corrected";
inline constexpr char bch_failure[] = "bch_failure";
inline constexpr char bbheader_ok[] = "bbheader_ok";
inline constexpr char erased_symbols[] = "erased_symbols";
inline constexpr char crc_failures[] = "crc_failures";
// GSE PDU metadata (TS 102 606-1).
inline constexpr char protocol_type[] = "protocol_type";
inline constexpr char label[] = "label";
inline constexpr char label_type[] = "label_type";
inline constexpr char fragmented[] = "fragmented";
// ACM decisions (acm_controller's "decision" port).
inline constexpr char reason[] = "reason";   // "steady", "step up", "fade", ...
inline constexpr char text[] = "text";       // the reason with its numbers
inline constexpr char changed[] = "changed"; // bool: the format changed with this decision
inline constexpr char fallback[] = "fallback"; // bool: no usable reports, fallback format
inline constexpr char time_s[] = "time_s";     // the controller's clock, seconds
inline constexpr char reported_esn0_db[] = "reported_esn0_db";   // latest accepted report's
inline constexpr char predicted_esn0_db[] = "predicted_esn0_db"; // with the fade predicted
inline constexpr char margin_db[] = "margin_db";                 // in force, outer loop included
inline constexpr char required_esn0_db[] = "required_esn0_db";   // threshold + margin in force
} // namespace dict_keys

// A name as a pmt symbol, interned on first use only (pmt::intern takes a global lock and
// hashes the string each time): pmt_key<dict_keys::frame>().
template <const char* Name>
const pmt::pmt_t& pmt_key()
{
    static const pmt::pmt_t symbol = pmt::intern(Name);
    return symbol;
}

} // namespace dualsat
} // namespace gr

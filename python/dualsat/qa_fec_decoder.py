#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the fec_decoder block. Frames are made by gr-dtv's DVB-S2 transmitter blocks (the
independent reference): TS through dvb_bbheader_bb -> dvb_bbscrambler_bb -> dvb_bch_bb ->
dvb_ldpc_bb -> dvbs2_interleaver_bb -> dvbs2_modulator_bc, or GSE BBFRAMEs packed here in
Python (TS 102 606-1) fed in after the BBHEADER. AWGN is added in numpy, every XFECFRAME
becomes a PDU, and the block must return the exact TS / IP packets, plus a stats dict per
frame. Malformed PDUs are counted and dropped."""

import time

import numpy as np
import pmt
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

DTV_FRAME = {dualsat.FrameSize.NORMAL: dtv.FECFRAME_NORMAL,
             dualsat.FrameSize.SHORT: dtv.FECFRAME_SHORT}
DTV_MOD = {dualsat.Modulation.QPSK: dtv.MOD_QPSK, dualsat.Modulation.PSK8: dtv.MOD_8PSK,
           dualsat.Modulation.APSK16: dtv.MOD_16APSK, dualsat.Modulation.APSK32: dtv.MOD_32APSK}
# Comfortable Es/N0 per constellation (Table 13 + about 2 dB for the rates used).
ESN0 = {dualsat.Modulation.QPSK: 7.0, dualsat.Modulation.PSK8: 12.0,
        dualsat.Modulation.APSK16: 14.5, dualsat.Modulation.APSK32: 17.0}


K, P = dualsat.dict_keys, dualsat.msg_ports
# What fec_decoder's messages carry (the README's table of keys).
STATS_KEYS = {K.frame_counter, K.modcod, K.modcod_name, K.frame, K.pilots, K.status,
              K.ldpc_iterations, K.ldpc_converged, K.bch_corrected, K.bch_failure,
              K.bbheader_ok, K.esn0_db, K.erased_symbols, K.packets, K.crc_failures}
PDU_META_KEYS = {K.protocol_type, K.fragmented, K.frame_counter}  # + label if it has one


def dtv_rate(rate):
    return getattr(dtv, rate.name)


def run(src_items, chain, sink):
    tb = gr.top_block()
    src = blocks.vector_source_b(src_items, False)
    tb.connect(src, *chain, sink)
    tb.run()
    return sink.data()


def fec_chain(fmt):
    """gr-dtv blocks from BB scrambling to symbols (unpacked BBFRAME bits in)."""
    f, r, m = DTV_FRAME[fmt.frame], dtv_rate(fmt.modcod.rate), DTV_MOD[fmt.modcod.mod]
    return [dtv.dvb_bbscrambler_bb(dtv.STANDARD_DVBS2, f, r),
            dtv.dvb_bch_bb(dtv.STANDARD_DVBS2, f, r),
            dtv.dvb_ldpc_bb(dtv.STANDARD_DVBS2, f, r, m),
            dtv.dvbs2_interleaver_bb(f, r, m),
            dtv.dvbs2_modulator_bc(f, r, m, dtv.INTERPOLATION_OFF)]


def ts_symbols(fmt, ts):
    f, r = DTV_FRAME[fmt.frame], dtv_rate(fmt.modcod.rate)
    bbheader = dtv.dvb_bbheader_bb(dtv.STANDARD_DVBS2, f, r, dtv.RO_0_35,
                                   dtv.INPUTMODE_NORMAL, dtv.INBAND_OFF, 168, 4000000)
    return np.array(run(ts.tolist(), [bbheader] + fec_chain(fmt), blocks.vector_sink_c()),
                    dtype=np.complex64)


def awgn(sym, esn0_db, rng):
    n0 = 10.0 ** (-esn0_db / 10.0)
    noise = rng.normal(0, np.sqrt(n0 / 2), (len(sym), 2)).astype(np.float32)
    return (sym + noise[:, 0] + 1j * noise[:, 1]).astype(np.complex64)


def frame_pdu(fmt, symbols, esn0_db, counter, modcod_as_name=False, noise_as_var=False):
    meta = pmt.make_dict()
    mc = pmt.intern(repr(fmt.modcod)[7:-1]) if modcod_as_name else pmt.from_long(fmt.modcod.number())
    meta = pmt.dict_add(meta, pmt.intern(K.modcod), mc)
    meta = pmt.dict_add(meta, pmt.intern(K.frame), pmt.intern(
        "normal" if fmt.frame == dualsat.FrameSize.NORMAL else "short"))
    meta = pmt.dict_add(meta, pmt.intern(K.pilots), pmt.PMT_F)
    if noise_as_var:
        meta = pmt.dict_add(meta, pmt.intern(K.noise_var), pmt.from_double(10 ** (-esn0_db / 10)))
    else:
        meta = pmt.dict_add(meta, pmt.intern(K.esn0_db), pmt.from_double(esn0_db))
    meta = pmt.dict_add(meta, pmt.intern(K.frame_counter), pmt.from_uint64(counter))
    return pmt.cons(meta, pmt.init_c32vector(len(symbols), symbols.tolist()))


class Receiver:
    """fec_decoder in a running flowgraph: TS on a vector sink, PDUs and stats stored."""

    def __init__(self, **kw):
        self.tb = gr.top_block()
        self.dec = dualsat.fec_decoder(**kw)
        self.ts = blocks.vector_sink_b()
        self.stats = blocks.message_debug()
        self.pdus = blocks.message_debug()
        self.tb.connect(self.dec, self.ts)
        self.tb.msg_connect((self.dec, P.stats), (self.stats, "store"))
        self.tb.msg_connect((self.dec, P.pdus), (self.pdus, "store"))
        self.tb.start()

    def post(self, pdu):
        self.dec.to_basic_block()._post(pmt.intern(P.frames), pdu)

    def finish(self, frames, timeout=120.0):
        deadline = time.monotonic() + timeout
        while self.stats.num_messages() < frames and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # let the last TS bytes reach the sink
        self.tb.stop()
        self.tb.wait()
        return [pmt.to_python(self.stats.get_message(i)) for i in range(self.stats.num_messages())]


def ts_packets(rng, count):
    pkts = rng.integers(0, 256, (count, 188), dtype=np.uint8)
    pkts[:, 0] = 0x47
    return pkts.reshape(-1)


def gse_bbframe(fmt, pdus):
    """Unscrambled BBFRAME bits (unpacked) carrying whole PDUs as unfragmented GSE packets
    (TS 102 606-1: S=1 E=1 LT=10 broadcast, GSE_Length, Protocol_Type, PDU)."""
    field = bytearray()
    for ptype, data in pdus:
        glen = 2 + len(data)
        field += bytes([0xE0 | (glen >> 8), glen & 0xFF, ptype >> 8, ptype & 0xFF]) + data
    kbch = fmt.code().kbch
    assert len(field) * 8 <= kbch - 80
    h = dualsat.BbHeader()
    h.stream_type = dualsat.StreamType.GENERIC_CONTINUOUS
    h.upl, h.sync, h.syncd, h.dfl = 0, 0, 0, len(field) * 8
    frame = bytearray(dualsat.encode_bbheader(h)) + field
    frame += bytes(kbch // 8 - len(frame))
    return np.unpackbits(np.frombuffer(bytes(frame), dtype=np.uint8))


class qa_fec_decoder(gr_unittest.TestCase):

    def test_001_ts_from_gr_dtv_every_constellation(self):
        rng = np.random.default_rng(2024)
        formats = [dualsat.FrameFormat(dualsat.parse_modcod(m), f) for m, f in (
            ("QPSK 1/2", dualsat.FrameSize.SHORT), ("8PSK 3/5", dualsat.FrameSize.SHORT),
            ("16APSK 3/4", dualsat.FrameSize.SHORT), ("32APSK 4/5", dualsat.FrameSize.NORMAL))]
        for fmt in formats:
            kbch = fmt.code().kbch
            nframes = 3
            ts = ts_packets(rng, (nframes * (kbch - 80) // 8) // 188 + 1)
            sym = ts_symbols(fmt, ts)
            per = fmt.data_symbols()
            self.assertEqual(len(sym), nframes * per, repr(fmt))
            esn0 = ESN0[fmt.modcod.mod]
            rx = Receiver(threads=2)
            for k in range(nframes):
                rx.post(frame_pdu(fmt, awgn(sym[k * per:(k + 1) * per], esn0, rng), esn0, 100 + k,
                                  modcod_as_name=(k == 1), noise_as_var=(k == 2)))
            stats = rx.finish(nframes)
            self.assertEqual(len(stats), nframes)
            for k, s in enumerate(stats):
                self.assertEqual(set(s), STATS_KEYS)
                self.assertEqual(s[K.frame_counter], 100 + k)  # in order
                self.assertEqual(s[K.status], "ok", repr(fmt))
                self.assertTrue(s[K.bbheader_ok] and s[K.ldpc_converged])
                self.assertEqual(s[K.modcod], fmt.modcod.number())
                self.assertAlmostEqual(s[K.esn0_db], esn0, places=3)
                self.assertEqual(s[K.crc_failures], 0)
            out = np.array(rx.ts.data(), dtype=np.uint8)
            # All packets but the last one of the stream (its CRC rides in the next frame).
            self.assertEqual(len(out) % 188, 0)
            self.assertGreater(len(out), 0)
            self.assertTrue(np.array_equal(out, ts[:len(out)]), repr(fmt))
            full = (nframes * (kbch - 80) // 8) // 188
            self.assertGreaterEqual(len(out) // 188, full - 1)
            c = rx.dec.counters()
            self.assertEqual((c.frames, c.frames_ok, c.ts_packets), (nframes, nframes, len(out) // 188))

    def test_002_gse_ip_pdus(self):
        rng = np.random.default_rng(7)
        fmts = [dualsat.FrameFormat(dualsat.parse_modcod("QPSK 3/5"), dualsat.FrameSize.SHORT),
                dualsat.FrameFormat(dualsat.parse_modcod("8PSK 2/3"), dualsat.FrameSize.SHORT)]
        sent, pdus = [], []
        for k, fmt in enumerate(fmts * 2):
            batch = []
            for _ in range(3):
                data = bytes([0x45]) + rng.integers(0, 256, int(rng.integers(20, 300)),
                                                    dtype=np.uint8).tobytes()
                batch.append((0x0800 if len(data) % 2 else 0x86DD, data))
            sent += batch
            bits = gse_bbframe(fmt, batch)
            sym = np.array(run(bits.tolist(), fec_chain(fmt), blocks.vector_sink_c()),
                           dtype=np.complex64)
            self.assertEqual(len(sym), fmt.data_symbols())
            esn0 = ESN0[fmt.modcod.mod]
            pdus.append(frame_pdu(fmt, awgn(sym, esn0, rng), esn0, k))
        rx = Receiver(threads=2)
        for p in pdus:
            rx.post(p)
        stats = rx.finish(len(pdus))
        self.assertEqual([s[K.status] for s in stats], ["ok"] * len(pdus))
        self.assertEqual(rx.pdus.num_messages(), len(sent))
        for i, (ptype, data) in enumerate(sent):
            msg = rx.pdus.get_message(i)
            self.assertEqual(bytes(pmt.u8vector_elements(pmt.cdr(msg))), data)
            self.assertEqual(set(pmt.to_python(pmt.car(msg))), PDU_META_KEYS)
            self.assertEqual(pmt.to_long(pmt.dict_ref(pmt.car(msg), pmt.intern(K.protocol_type),
                                                      pmt.PMT_NIL)), ptype)
        self.assertEqual(len(rx.ts.data()), 0)

    def test_003_malformed_pdus_counted_and_dropped(self):
        rng = np.random.default_rng(9)
        fmt = dualsat.FrameFormat(dualsat.parse_modcod("QPSK 1/2"), dualsat.FrameSize.SHORT)
        n = fmt.data_symbols()
        good_meta = pmt.car(frame_pdu(fmt, np.zeros(1, np.complex64), 5.0, 0))
        bad = [
            pmt.intern("not a pdu"),
            pmt.cons(pmt.make_dict(), pmt.init_c32vector(n, [0j] * n)),           # no modcod
            pmt.cons(good_meta, pmt.init_u8vector(4, [1, 2, 3, 4])),               # wrong type
            frame_pdu(fmt, rng.normal(size=n - 1).astype(np.complex64), 5.0, 3),   # short
            frame_pdu(fmt, np.full(n, np.nan, dtype=np.complex64), 5.0, 4),        # all NaN
            frame_pdu(fmt, (rng.normal(size=n) * 1e3).astype(np.complex64), 5.0, 5),  # garbage
        ]
        meta = pmt.dict_add(good_meta, pmt.intern(K.modcod), pmt.from_long(99))
        bad.append(pmt.cons(meta, pmt.init_c32vector(n, [0j] * n)))             # MODCOD 99
        meta = pmt.dict_delete(good_meta, pmt.intern(K.esn0_db))
        bad.append(pmt.cons(meta, pmt.init_c32vector(n, [0j] * n)))             # no noise
        rx = Receiver(threads=2)
        for p in bad:
            rx.post(p)
        stats = rx.finish(len(bad))
        self.assertEqual(len(stats), len(bad))
        self.assertTrue(all(s[K.status] != "ok" for s in stats))
        self.assertEqual(rx.dec.bad_pdus(), 5)
        c = rx.dec.counters()
        self.assertEqual(c.frames, len(bad))
        self.assertEqual(c.frames_ok, 0)
        self.assertEqual(c.frames_dropped(), len(bad))
        self.assertEqual(len(rx.ts.data()), 0)
        self.assertEqual(rx.pdus.num_messages(), 0)


if __name__ == "__main__":
    gr_unittest.run(qa_fec_decoder)

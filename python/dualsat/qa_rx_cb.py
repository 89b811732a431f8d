#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: rx_cb, the whole receiver block, behind our own transmitter blocks: tx_bc (VCM
switched through its modcod port, dummy frames) -> pulse_shaper_cc at 2.37 samples/symbol
-> channel_emulator_cc (CFO, SCO) -> rx_cb. The TS out must be exactly the TS in (after
acquisition); PDUs in GSE mode; stats messages; bad parameters; noise only."""

import os
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

F, C, M = dualsat.FrameSize, dualsat.CodeRate, dualsat.Modulation
K, P = dualsat.dict_keys, dualsat.msg_ports

# What rx_cb's messages carry (the README's table of keys).
STATS_KEYS = {K.modcod, K.modcod_name, K.frame, K.pilots, K.frame_counter, K.status, K.ok,
              K.ldpc_iterations, K.bch_corrected, K.packets, K.esn0_db, K.esn0_var_db2,
              K.start_symbol, K.cfo_hz, K.header_confirmed}
DUMMY_STATS_KEYS = {K.dummy, K.esn0_db, K.esn0_var_db2, K.start_symbol}
PDU_META_KEYS = {K.protocol_type, K.label_type, K.label, K.fragmented}


def ts_packets(count, seed=1):
    rng = np.random.default_rng(seed)
    pkts = rng.integers(0, 256, (count, 188), dtype=np.uint8)
    pkts[:, 0] = 0x47
    pkts[:, 1:5] = np.arange(count, dtype='>u4').view(np.uint8).reshape(count, 4)
    return pkts


class qa_rx_cb(gr_unittest.TestCase):

    def link(self, tx, src, esn0_db=12.0, cfo=0.04, ppm=60.0, fec_threads=1, ratio=2.37 / 2):
        # pulse_shaper_cc: RRC at 2 sps then resampling by output_rate_ratio; unit mean
        # power per sample, so Es = sps.
        tb = gr.top_block()
        shaper = dualsat.pulse_shaper_cc(0.2, 2, 16, ratio)
        sps = 2 * ratio
        chan = dualsat.channel_emulator_cc(esn0_db, samples_per_symbol=sps, symbol_energy=sps,
                                           sample_rate=1.0, frequency_offset=cfo / sps,
                                           sample_clock_offset_ppm=ppm, seed=5)
        rx = dualsat.rx_cb(1.0, sps, 0.2, 0, fec_threads, True)
        snk = blocks.vector_sink_b()
        dbg = blocks.message_debug()
        tb.connect(src, tx, shaper, chan, rx, snk)
        tb.msg_connect(rx, P.stats, dbg, 'store')
        return tb, rx, snk, dbg

    def check_ts(self, pkts, got, max_first):
        self.assertEqual(len(got) % 188, 0)
        rxp = np.array(got, dtype=np.uint8).reshape(-1, 188)
        self.assertGreater(len(rxp), 0)
        first = int.from_bytes(rxp[0, 1:5].tobytes(), 'big')
        self.assertLessEqual(first, max_first)
        np.testing.assert_array_equal(rxp, pkts[first:first + len(rxp)])
        return first, len(rxp)

    def test_001_loopback_exact_ts(self):
        # QPSK 1/2 short, pilots: 37 packets per frame. Idle policy WAIT ends the stream
        # with the last full frame, which the receiver cannot close (no next header).
        per_frame = 37
        pkts = ts_packets(40 * per_frame)
        for threads in (1, 2):
            with self.subTest(fec_threads=threads):
                tx = dualsat.tx_bc(dualsat.TxInputMode.TS, F.SHORT, C.C1_2, M.QPSK,
                                   pilots=True, gold_code=0, ccm=True,
                                   idle=dualsat.IdlePolicy.WAIT)
                src = blocks.vector_source_b(pkts.reshape(-1).tolist(), False)
                tb, rx, snk, dbg = self.link(tx, src, fec_threads=threads)
                tb.run()
                first, n = self.check_ts(pkts, snk.data(), 3 * per_frame)
                self.assertGreaterEqual(first + n, len(pkts) - 2 * per_frame)
                st = rx.status()
                self.assertTrue(st.locked)
                self.assertEqual(st.fec_failures, 0)
                self.assertEqual(st.lock_losses, 0)
                self.assertEqual(st.frames, st.frames_ok)
                self.assertEqual(st.ts_packets, n)
                self.assertEqual(st.frames_in_flight, 0)
                self.assertEqual(rx.work_errors(), 0)
                self.assertAlmostEqual(st.cfo, 0.04, delta=2e-3)
                self.assertAlmostEqual(st.cfo_hz, 0.04, delta=2e-3)  # symbol rate 1
                self.assertAlmostEqual(st.clock_offset_ppm, 60.0, delta=30.0)
                self.assertGreater(st.esn0_db, 10.0)
                # One stats message per data frame, in order, with their fields, and one
                # per dummy frame received in lock (a measurement only).
                every = [dbg.get_message(i) for i in range(dbg.num_messages())]
                is_dummy = [pmt.dict_has_key(m, pmt.intern(K.dummy)) for m in every]
                msgs = [m for m, d in zip(every, is_dummy) if not d]
                dummies = [m for m, d in zip(every, is_dummy) if d]
                self.assertEqual(len(msgs), st.frames)
                self.assertLessEqual(len(dummies), st.dummy_frames)
                for m in dummies:
                    self.assertEqual(set(pmt.to_python(m)), DUMMY_STATS_KEYS)
                for m in msgs + dummies:
                    var = pmt.to_double(pmt.dict_ref(m, pmt.intern(K.esn0_var_db2), pmt.PMT_NIL))
                    self.assertGreater(var, 0.0)
                    self.assertLess(var, 1.0)
                starts = [pmt.to_uint64(pmt.dict_ref(m, pmt.intern(K.start_symbol), pmt.PMT_NIL))
                          for m in msgs]
                self.assertEqual(starts, sorted(starts))
                counters = [pmt.to_uint64(pmt.dict_ref(m, pmt.intern(K.frame_counter), pmt.PMT_NIL))
                            for m in msgs]
                self.assertEqual(counters, sorted(counters))
                for m in msgs:
                    self.assertEqual(set(pmt.to_python(m)), STATS_KEYS)
                    self.assertTrue(pmt.to_bool(pmt.dict_ref(m, pmt.intern(K.ok), pmt.PMT_F)))
                    self.assertEqual(pmt.to_long(pmt.dict_ref(m, pmt.intern(K.modcod), pmt.PMT_NIL)), 4)
                    self.assertEqual(pmt.symbol_to_string(
                        pmt.dict_ref(m, pmt.intern(K.frame), pmt.PMT_NIL)), 'short')

    def test_002_gse_pdus(self):
        # IP packets as PDUs into tx_bc (GSE), out of rx_cb's pdus port.
        rng = np.random.default_rng(4)
        pdus = []
        for k in range(60):
            n = int(rng.integers(40, 1400))
            p = rng.integers(0, 256, n, dtype=np.uint8)
            p[0] = 0x45  # IPv4 version nibble
            p[1:3] = [k >> 8, k & 0xff]
            pdus.append(p)
        tx = dualsat.tx_bc(dualsat.TxInputMode.GSE, F.SHORT, C.C2_3, M.PSK8, pilots=True,
                           gold_code=0, ccm=True, idle=dualsat.IdlePolicy.DUMMY)
        tb = gr.top_block()
        head = blocks.head(gr.sizeof_gr_complex, 600000)
        shaper = dualsat.pulse_shaper_cc(0.2, 2, 16, 1.185)
        chan = dualsat.channel_emulator_cc(13.0, samples_per_symbol=2.37, symbol_energy=2.37,
                                           frequency_offset=-0.02 / 2.37, seed=2)
        rx = dualsat.rx_cb(1.0, 2.37, 0.2)
        snk = blocks.null_sink(1)
        dbg = blocks.message_debug()
        tb.connect(tx, head, shaper, chan, rx, snk)
        tb.msg_connect(rx, P.pdus, dbg, 'store')
        for p in pdus:
            tx.to_basic_block()._post(pmt.intern(P.pdus),
                                      pmt.cons(pmt.make_dict(), pmt.init_u8vector(len(p), p.tolist())))
        tb.run()
        got = [dbg.get_message(i) for i in range(dbg.num_messages())]
        self.assertGreater(len(got), 40)
        first = None
        for m in got:
            meta, vec = pmt.car(m), pmt.cdr(m)
            data = np.array(pmt.u8vector_elements(vec), dtype=np.uint8)
            k = (int(data[1]) << 8) | int(data[2])
            if first is None:
                first = k
            np.testing.assert_array_equal(data, pdus[k])
            self.assertEqual(set(pmt.to_python(meta)), PDU_META_KEYS)
            self.assertEqual(pmt.to_long(pmt.dict_ref(meta, pmt.intern(K.protocol_type), pmt.PMT_NIL)), 0x0800)
        ks = [(int(pmt.u8vector_ref(pmt.cdr(m), 1)) << 8) | int(pmt.u8vector_ref(pmt.cdr(m), 2)) for m in got]
        self.assertEqual(ks, list(range(ks[0], ks[0] + len(ks))))
        self.assertEqual(rx.gse_pdus(), len(got))

    def test_003_noise_only_and_bad_parameters(self):
        tb = gr.top_block()
        src = blocks.vector_source_c((np.random.default_rng(1).standard_normal(200000)
                                      .astype(np.complex64)).tolist(), False)
        rx = dualsat.rx_cb(1.0, 2.0)
        snk = blocks.vector_sink_b()
        tb.connect(src, rx, snk)
        tb.run()
        self.assertEqual(len(snk.data()), 0)
        self.assertFalse(rx.locked())
        self.assertEqual(rx.frames(), 0)
        self.assertEqual(rx.status().samples_in, 200000)
        for args in ((1.0, 1.5), (0.0, 2.0), (1.0, 2.0, 0.0), (1.0, 2.0, 0.35, -1),
                     (1.0, 2.0, 0.35, 0, 100)):
            with self.assertRaises(Exception):
                dualsat.rx_cb(*args)

    def test_004_block_thread_runs_under_sched_batch(self):
        # The block's thread is the receiver's symbol side: under SCHED_BATCH like the
        # library's threads, so the front end's hand-offs do not wake it into preempting
        # the front end (issue 14). Linux only.
        if not os.path.isdir('/proc/self/task'):
            self.skipTest('no /proc')
        tb = gr.top_block()
        noise = (np.random.default_rng(2).standard_normal(65536) * 0.1).astype(np.complex64)
        src = blocks.vector_source_c(noise.tolist(), True)
        rx = dualsat.rx_cb(1.0, 2.0)
        tb.connect(src, rx, blocks.null_sink(gr.sizeof_char))
        tb.start()
        try:
            deadline = time.monotonic() + 20
            while rx.status().samples_in == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertGreater(rx.status().samples_in, 0)
            policies = {}
            for tid in os.listdir('/proc/self/task'):
                try:
                    with open('/proc/self/task/%s/stat' % tid) as f:
                        stat = f.read()
                except OSError:
                    continue
                name = stat[stat.index('(') + 1:stat.rindex(')')]
                policies.setdefault(name, set()).add(int(stat[stat.rindex(')') + 2:].split()[38]))
            rx_threads = {n: p for n, p in policies.items() if n.startswith('rx_cb')}
            self.assertTrue(rx_threads, policies)
            SCHED_BATCH = 3
            for name, pols in rx_threads.items():
                self.assertEqual(pols, {SCHED_BATCH}, name)
        finally:
            tb.stop()
            tb.wait()


if __name__ == '__main__':
    gr_unittest.run(qa_rx_cb)

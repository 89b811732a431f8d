#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the tx_bc block's behaviour: MODCOD, frame size and pilots changed frame by frame
through the 'modcod' message port (each frame's tag checked against its PLHEADER decoded
from the output symbols), GSE PDUs on 'pdus', dummy frames when idle, malformed
messages counted, output buffers smaller than a PLFRAME. Bit-exactness against gr-dtv is
qa_tx_conformance.py."""

import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest, pdu

from gnuradio import dualsat

F = dualsat.FrameSize
R = dualsat.CodeRate
M = dualsat.Modulation
TS = dualsat.TxInputMode.TS
GSE = dualsat.TxInputMode.GSE
WAIT = dualsat.IdlePolicy.WAIT
DUMMY = dualsat.IdlePolicy.DUMMY
K, P = dualsat.dict_keys, dualsat.msg_ports
# What the 'plframe' tag's dict carries (the README's table of keys).
PLFRAME_KEYS = {K.modcod, K.modcod_name, K.frame, K.pilots, K.dummy, K.fill, K.padded,
                K.frame_counter, K.symbols, K.dfl, K.packets}


def ts_packets(rng, count):
    pkts = rng.integers(0, 256, (count, 188), dtype=np.uint8)
    pkts[:, 0] = 0x47
    return pkts.reshape(-1)


def wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def same_format(a, b):
    return a.modcod == b.modcod and a.frame == b.frame and a.pilots == b.pilots


def tag_dict(tag):
    d = tag.value
    keys = pmt.dict_keys(d)
    return {pmt.symbol_to_string(pmt.nth(i, keys)):
            pmt.to_python(pmt.dict_ref(d, pmt.nth(i, keys), pmt.PMT_NIL))
            for i in range(pmt.length(keys))}


class qa_tx_bc(gr_unittest.TestCase):

    def check_frames(self, symbols, tags, gold, truncated_last=False):
        """Every tag sits where the previous frame ended, and its PLHEADER (decoded from the
        symbols) and length agree with it. Returns the tag dicts (without a last frame
        cut short by a head block when truncated_last)."""
        if truncated_last and tags and tags[-1].offset + tag_dict(tags[-1])[K.symbols] > len(symbols):
            tags = tags[:-1]
        self.assertGreater(len(tags), 0)
        expected_offset = tags[0].offset
        out = []
        for t in tags:
            d = tag_dict(t)
            self.assertEqual(pmt.symbol_to_string(t.key), dualsat.tag_keys.plframe)
            self.assertEqual(set(d), PLFRAME_KEYS)
            self.assertEqual(t.offset, expected_offset)
            header = symbols[t.offset:t.offset + 90]
            decision = dualsat.PlDeframer(gold).decode_header(header, d[K.frame_counter])
            self.assertGreater(decision.correlation, 0.999)
            status, fmt = dualsat.interpret_pls(decision.code)
            if d[K.dummy]:
                self.assertEqual(status, dualsat.PlsStatus.DUMMY)
                self.assertEqual(d[K.symbols], 3330)
                self.assertEqual(d[K.modcod], 0)
            else:
                self.assertEqual(status, dualsat.PlsStatus.VALID)
                self.assertEqual(fmt.modcod.number(), d[K.modcod])
                self.assertEqual(dualsat.parse_modcod(d[K.modcod_name]), fmt.modcod)
                self.assertEqual(fmt.frame, F.SHORT if d[K.frame] == "short" else F.NORMAL)
                self.assertEqual(fmt.pilots, d[K.pilots])
                self.assertEqual(d[K.symbols], fmt.plframe_symbols())
                # Civil: no sealed fill; padded exactly when the data field is not full.
                self.assertFalse(d[K.fill])
                self.assertEqual(d[K.padded], d[K.dfl] < fmt.code().kbch - 80)
            expected_offset = t.offset + d[K.symbols]
            out.append(d)
        self.assertLessEqual(expected_offset, len(symbols))
        return out

    def test_001_vcm_through_modcod_port(self):
        # Frame by frame: a modcod message, then exactly the TS bytes that complete the
        # next data field. Each frame must carry the format asked for just before it.
        messages = [
            (pmt.intern("QPSK 1/4 short"), (M.QPSK, R.C1_4, F.SHORT, False)),
            (pmt.from_long(27), (M.APSK32, R.C8_9, F.SHORT, False)),  # keeps short
            (pmt.intern("32APSK 9/10 normal pilots"), (M.APSK32, R.C9_10, F.NORMAL, True)),
            (pmt.to_pmt({K.modcod: "8PSK 3/5", K.frame: "short"}), (M.PSK8, R.C3_5, F.SHORT, True)),
            (pmt.to_pmt({K.modcod: 10, K.pilots: False}), (M.QPSK, R.C8_9, F.SHORT, False)),
            (pmt.to_pmt({K.frame: "normal", K.pilots: True}), (M.QPSK, R.C8_9, F.NORMAL, True)),
            (pmt.intern("16apsk_2_3"), (M.APSK16, R.C2_3, F.NORMAL, True)),
            (pmt.to_pmt({K.modcod: "16APSK 8/9", K.frame: "short", K.pilots: False}),
             (M.APSK16, R.C8_9, F.SHORT, False)),
        ]
        gold = 321
        rng = np.random.default_rng(5)
        tb = gr.top_block()
        feeder = pdu.pdu_to_tagged_stream(gr.types.byte_t, "len")
        tx = dualsat.tx_bc(TS, F.NORMAL, R.C1_2, M.QPSK, False, dualsat.RollOff.RO_0_35,
                           gold, False, WAIT)
        snk = blocks.vector_sink_c()
        tb.connect(feeder, tx, snk)
        tb.start()
        try:
            queued = 0  # TS bytes in the transmitter's queue, as it counts them
            for k, (msg, (mod, rate, frame, pilots)) in enumerate(messages):
                fmt = dualsat.FrameFormat(dualsat.ModCod(mod, rate), frame, pilots)
                tx._post(pmt.intern(P.modcod), msg)
                self.assertTrue(wait_for(lambda: same_format(tx.format(), fmt)),
                                f"message {k} not applied")
                field = (fmt.code().kbch - 80) // 8
                packets = -(-(field - queued) // 188)
                data = ts_packets(rng, packets)
                feeder._post(pmt.intern("pdus"),
                             pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(len(data), data.tolist())))
                self.assertTrue(wait_for(lambda: len(snk.tags()) == k + 1), f"frame {k} missing")
                queued += packets * 188 - field
        finally:
            tb.stop()
            tb.wait()
        symbols = np.array(snk.data(), dtype=np.complex64)
        dicts = self.check_frames(symbols, snk.tags(), gold)
        self.assertEqual(len(dicts), len(messages))
        for d, (_, (mod, rate, frame, pilots)) in zip(dicts, messages):
            self.assertEqual(dualsat.parse_modcod(d[K.modcod_name]), dualsat.ModCod(mod, rate))
            self.assertEqual(d[K.frame], "short" if frame == F.SHORT else "normal")
            self.assertEqual(d[K.pilots], pilots)
            self.assertFalse(d[K.dummy])
        self.assertEqual(sum(d[K.symbols] for d in dicts), len(symbols))
        self.assertEqual([d[K.frame_counter] for d in dicts], list(range(len(messages))))
        self.assertEqual(tx.stats().format_changes, len(messages) - 1)
        self.assertEqual(tx.bad_modcod_messages(), 0)

    def test_002_bad_modcod_messages_are_counted(self):
        tx = dualsat.tx_bc(GSE, F.NORMAL, R.C1_2, M.QPSK, False, idle=WAIT)
        tb = gr.top_block()
        tb.connect(tx, blocks.null_sink(gr.sizeof_gr_complex))
        bad = [pmt.intern("9PSK 1/2"), pmt.from_long(29), pmt.from_long(0),
               pmt.intern("QPSK 9/10 short"),  # short 9/10 does not exist
               pmt.intern("8PSK 3/5 short normal"), pmt.intern(""),  # two sizes; nothing
               pmt.to_pmt({K.frame: "tiny"}), pmt.to_pmt({K.pilots: 3}),
               pmt.to_pmt({"nothing": 1}), pmt.from_double(1.5), pmt.PMT_NIL,
               pmt.to_pmt({K.modcod: "8PSK 1/4"})]
        tb.start()
        try:
            for m in bad:
                tx._post(pmt.intern(P.modcod), m)
            self.assertTrue(wait_for(lambda: tx.bad_modcod_messages() == len(bad)))
            self.assertTrue(same_format(tx.format(), dualsat.FrameFormat(
                dualsat.ModCod(M.QPSK, R.C1_2), F.NORMAL, False)))
            tx._post(pmt.intern(P.modcod), pmt.intern("8PSK 3/5 pilots"))
            self.assertTrue(wait_for(lambda: same_format(tx.format(), dualsat.FrameFormat(
                dualsat.ModCod(M.PSK8, R.C3_5), F.NORMAL, True))))
            # Malformed PDUs: not a pair, not u8, not IP without a protocol_type.
            for m in [pmt.intern("x"), pmt.cons(pmt.PMT_NIL, pmt.init_f32vector(2, [1.0, 2.0])),
                      pmt.cons(pmt.PMT_NIL, pmt.init_u8vector(3, [0x10, 0, 0]))]:
                tx._post(pmt.intern(P.pdus), m)
            self.assertTrue(wait_for(lambda: tx.bad_pdu_messages() == 3))
            self.assertEqual(tx.stats().frames, 0)
        finally:
            tb.stop()
            tb.wait()
        self.assertEqual(tx.work_errors(), 0)
        with self.assertRaises(ValueError):
            tx.set_format(dualsat.FrameFormat(dualsat.ModCod(M.QPSK, R.C9_10), F.SHORT, False))
        with self.assertRaises(ValueError):
            dualsat.tx_bc(TS, F.SHORT, R.C9_10, M.QPSK)
        with self.assertRaises(ValueError):
            dualsat.tx_bc(TS, F.NORMAL, R.C1_2, M.QPSK, gold_code=262142)

    def test_003_gse_pdus_and_protocol_type(self):
        # PDUs larger than a BBFRAME (short QPSK 1/4: 374-byte data field) go out over
        # several frames; the lib test decodes them back (test_transmitter.cc).
        tx = dualsat.tx_bc(GSE, F.SHORT, R.C1_4, M.QPSK, True, gold_code=3, idle=WAIT)
        snk = blocks.vector_sink_c()
        tb = gr.top_block()
        tb.connect(tx, snk)
        rng = np.random.default_rng(6)
        sizes = [1500, 3000, 64]
        tb.start()
        try:
            for i, n in enumerate(sizes):
                data = rng.integers(0, 256, n, dtype=np.uint8)
                data[0] = 0x45 if i != 2 else 0x00  # the third is not IP: meta says what
                meta = pmt.to_pmt({K.protocol_type: 0x88B5}) if i == 2 else pmt.make_dict()
                tx._post(pmt.intern(P.pdus), pmt.cons(meta, pmt.init_u8vector(n, data.tolist())))
            self.assertTrue(wait_for(lambda: tx.stats().pdus_in == 3))
            total = sum(sizes)
            # Each frame's DFL covers GSE headers and data; frames stop once all is sent.
            self.assertTrue(wait_for(
                lambda: sum(tag_dict(t)[K.dfl] for t in snk.tags()) // 8 >= total))
            time.sleep(0.05)
        finally:
            tb.stop()
            tb.wait()
        symbols = np.array(snk.data(), dtype=np.complex64)
        dicts = self.check_frames(symbols, snk.tags(), 3)
        self.assertGreaterEqual(len(dicts), total // 374)
        self.assertTrue(all(not d[K.dummy] and d[K.modcod] == 1 and d[K.pilots] for d in dicts))
        # Each PDU is reported once, by the frame its last byte went out in.
        self.assertEqual(sum(d[K.packets] for d in dicts), 3)
        self.assertEqual(tx.bad_pdu_messages(), 0)
        self.assertEqual(tx.stats().bytes_in, total)

    def test_004_dummy_frames_keep_the_carrier(self):
        # Nothing queued: dummy PLFRAMEs; TS that arrives goes out in (padded) data frames.
        rng = np.random.default_rng(7)
        tb = gr.top_block()
        src = blocks.vector_source_b(ts_packets(rng, 10).tolist(), False)
        tx = dualsat.tx_bc(TS, F.SHORT, R.C2_3, M.PSK8, False, gold_code=5, idle=DUMMY)
        # In dummy mode the block never waits for input, so how many dummy frames precede
        # the data depends on scheduling: run until the data has gone out, paced by a
        # throttle so that a slow start cannot fill memory.
        throttle = blocks.throttle(gr.sizeof_gr_complex, 2e6)
        snk = blocks.vector_sink_c()
        tb.connect(src, tx, throttle, snk)
        tb.start()
        try:
            self.assertTrue(wait_for(
                lambda: sum(tag_dict(t)[K.dfl] for t in snk.tags()
                            if not tag_dict(t)[K.dummy]) >= 10 * 188 * 8
                and any(tag_dict(t)[K.dummy] for t in snk.tags())))
            # Two more frames started: the last data frame is complete in the sink.
            seen = len(snk.tags())
            self.assertTrue(wait_for(lambda: len(snk.tags()) >= seen + 2))
        finally:
            tb.stop()
            tb.wait()
        symbols = np.array(snk.data(), dtype=np.complex64)
        dicts = self.check_frames(symbols, snk.tags(), 5, truncated_last=True)
        self.assertTrue(any(d[K.dummy] for d in dicts))
        data_frames = [d for d in dicts if not d[K.dummy]]
        self.assertGreater(len(data_frames), 0)
        self.assertEqual(sum(d[K.dfl] for d in data_frames), 10 * 188 * 8)
        self.assertEqual(tx.stats().bytes_in, 10 * 188)

    def test_005_small_output_buffer(self):
        # An output window smaller than a PLFRAME: frames are handed out in pieces, the
        # result is the same.
        rng = np.random.default_rng(8)
        ts = ts_packets(rng, 200)

        def run(max_items):
            tb = gr.top_block()
            src = blocks.vector_source_b(ts.tolist(), False)
            tx = dualsat.tx_bc(TS, F.NORMAL, R.C3_4, M.APSK16, True, gold_code=9, idle=WAIT)
            if max_items:
                tx.set_max_noutput_items(max_items)
            snk = blocks.vector_sink_c()
            tb.connect(src, tx, snk)
            tb.run()
            return np.array(snk.data(), dtype=np.complex64), snk.tags()

        ref, ref_tags = run(0)
        small, small_tags = run(1000)
        self.assertGreater(len(ref), 0)
        self.assertTrue(np.array_equal(ref, small))
        self.assertEqual([t.offset for t in ref_tags], [t.offset for t in small_tags])
        self.check_frames(small, small_tags, 9)

    def test_006_encoding_threads_do_not_change_the_output(self):
        # Frames encoded by 1, 2 or 3 threads, with output windows that hold one frame,
        # a few, or part of one: the same symbols and tags.
        rng = np.random.default_rng(9)
        ts = ts_packets(rng, 300)

        def run(workers, max_items):
            tb = gr.top_block()
            src = blocks.vector_source_b(ts.tolist(), False)
            tx = dualsat.tx_bc(TS, F.SHORT, R.C3_5, M.PSK8, True, gold_code=11, idle=WAIT,
                               workers=workers)
            if max_items:
                tx.set_max_noutput_items(max_items)
            snk = blocks.vector_sink_c()
            tb.connect(src, tx, snk)
            tb.run()
            tags = [(t.offset, tag_dict(t)) for t in snk.tags()]
            return np.array(snk.data(), dtype=np.complex64), tags

        ref, ref_tags = run(1, 0)
        self.assertGreater(len(ref_tags), 20)
        for workers, max_items in ((2, 0), (3, 0), (2, 6000), (3, 30000), (2, 2000)):
            out, tags = run(workers, max_items)
            self.assertTrue(np.array_equal(ref, out), f"workers {workers}, max {max_items}")
            self.assertEqual(ref_tags, tags)
        with self.assertRaises(Exception):
            dualsat.tx_bc(TS, F.SHORT, R.C3_5, M.PSK8, workers=-5)


if __name__ == '__main__':
    gr_unittest.run(qa_tx_bc)

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: acm_controller, the ACM loop's decision block. Synthetic rx_cb stats with a known
Es/N0 sequence (out of the fallback one rung per hold, straight down on a fade), wire
reports (valid ones accepted, corrupt ones counted), the simulated feedback delay, the
wall clock's report timeout, bad parameters, and the closed loop in one flowgraph:
tx_bc -> pulse_shaper_cc -> channel_emulator_cc -> rx_cb -> acm_controller -> tx_bc with
the channel's Es/N0 dropped mid-run."""

import os
import tempfile
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

F, C, M = dualsat.FrameSize, dualsat.CodeRate, dualsat.Modulation
K, P = dualsat.dict_keys, dualsat.msg_ports
SYMBOL_RATE = 1e6


def stats_dict(start_symbol, esn0_db, modcod=1, ok=True, dummy=False, var=0.01):
    if dummy:
        d = {K.dummy: True, K.esn0_db: float(esn0_db), K.esn0_var_db2: var}
    else:
        d = {K.modcod: modcod, K.frame: 'short', K.pilots: True, K.ok: ok,
             K.esn0_db: float(esn0_db), K.esn0_var_db2: var}
    m = pmt.to_pmt(d)
    # rx_cb sends start_symbol as uint64.
    return pmt.dict_add(m, pmt.intern(K.start_symbol), pmt.from_uint64(int(start_symbol)))


def wait_for(cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# What drain() posts to a message_debug sink; stored() leaves it out.
DRAIN_MARK = pmt.intern('qa: drain mark')


def stored(dbg):
    """The messages a message_debug sink stored, drain() marks left out."""
    every = (dbg.get_message(i) for i in range(dbg.num_messages()))
    return [m for m in every if not pmt.eqv(m, DRAIN_MARK)]


def messages(dbg):
    return [pmt.to_python(m) for m in stored(dbg)]


def drain(sinks, timeout=30.0):
    """Returns once each message_debug sink has stored everything published to it so far.
    A block's message_port_pub queues the message on the sink's 'store' port; a mark
    posted there now comes out after all of them. The producer's counters alone do not
    tell that: a sink's thread, starved on a loaded machine, can still hold queued
    messages when the test stops the flowgraph (a report test once saw 1 of its 8)."""
    def marks(dbg):
        return sum(1 for i in range(dbg.num_messages()) if pmt.eqv(dbg.get_message(i), DRAIN_MARK))

    wanted = [marks(dbg) + 1 for dbg in sinks]
    for dbg in sinks:
        dbg.to_basic_block()._post(pmt.intern('store'), DRAIN_MARK)
    return wait_for(lambda: all(marks(dbg) >= n for dbg, n in zip(sinks, wanted)), timeout)


class Harness:
    """acm_controller alone in a running flowgraph, fed by _post, outputs stored."""

    def __init__(self, acm):
        self.acm = acm
        self.tb = gr.top_block()
        self.modcod = blocks.message_debug()
        self.decision = blocks.message_debug()
        self.tb.msg_connect(acm, P.modcod, self.modcod, 'store')
        self.tb.msg_connect(acm, P.decision, self.decision, 'store')

    def run(self, msgs, done):
        self.tb.start()
        for port, m in msgs:
            self.acm.to_basic_block()._post(pmt.intern(port), m)
        ok = wait_for(done) and drain([self.modcod, self.decision])
        self.tb.stop()
        self.tb.wait()
        return ok


def report(seq, t_s, esn0_db, locked=True, link_id=0):
    r = dualsat.LinkReport()
    r.link_id = link_id
    r.sequence = seq
    r.timestamp_ns = int(t_s * 1e9)
    r.locked = locked
    r.esn0_valid = True
    r.esn0_db = esn0_db
    r.esn0_var_db2 = 0.01
    r.frames_ok = 10
    return r.encode()


def pdu(raw):
    return pmt.cons(pmt.make_dict(), pmt.init_u8vector(len(raw), list(raw)))


class qa_acm_controller(gr_unittest.TestCase):

    def test_001_stats_step_up_and_fast_down(self):
        # Short frames, QPSK 1/4 .. 2/3 (MODCODs 1-6), outer loop off so that the margin
        # stays 1 dB. A frame every 10 ms of symbol time (10000 symbols at 1 Msym/s).
        acm = dualsat.acm_controller(SYMBOL_RATE, frame=F.SHORT, max_modcod=6, outer_loop=False)
        ladder = [r.modcod_number for r in acm.ladder()]
        self.assertEqual(ladder, [1, 2, 3, 4, 5, 6])
        h = Harness(acm)
        msgs = []
        n_high, n_low = 800, 100  # 8 s at 10 dB, then 1 s at -0.5 dB
        for i in range(n_high + n_low):
            esn0 = 10.0 if i < n_high else -0.5
            msgs.append((P.stats, stats_dict(10000 * i, esn0, dummy=(i % 5 == 4))))
        msgs.append((P.stats, pmt.from_long(3)))                       # not a dict
        msgs.append((P.stats, pmt.to_pmt({K.esn0_db: 3.0, K.start_symbol: 1})))  # no modcod
        msgs.append((P.stats, stats_dict(2**64 - 1, 3.0)))  # beyond the clock's range
        self.assertTrue(h.run(msgs, lambda: acm.frames_observed() + acm.bad_stats_messages()
                              >= n_high + n_low + 3))
        self.assertEqual(acm.frames_observed(), n_high + n_low)
        self.assertEqual(acm.bad_stats_messages(), 3)
        # A report every 0.25 s of the 9 s.
        self.assertEqual(acm.reports_generated(), 36)
        # What tx_bc reads: the whole format (short frames, pilots always by default).
        for m in messages(h.modcod):
            self.assertEqual(set(m), {K.modcod, K.frame, K.pilots})
            self.assertEqual((m[K.frame], m[K.pilots]), ('short', True))
        sent = [m[K.modcod] for m in messages(h.modcod)]
        # The fallback at start, after one hold straight to the top (every report of the
        # hold sustained it: lib/acm's multi-rung step up), then straight down on the fade.
        self.assertEqual(sent, [1, 6, 1])
        changes = [d for d in messages(h.decision) if d[K.changed]]
        self.assertEqual([d[K.modcod] for d in changes], sent)
        self.assertEqual(changes[0][K.reason], 'initial')
        up = changes[1]
        self.assertEqual(up[K.reason], 'step up')
        # Held for step_up_hold_s (1 s) at least.
        self.assertGreaterEqual(up[K.time_s], 1.0 - 1e-9)
        down = changes[2]
        self.assertIn(down[K.reason], ('fade', 'predicted fade'))
        self.assertGreaterEqual(down[K.time_s], n_high * 0.01)
        self.assertLess(down[K.time_s], n_high * 0.01 + 0.5)  # within two reports
        st = acm.state()
        self.assertEqual(st.modcod, 1)
        self.assertEqual(acm.format().modcod, dualsat.ModCod(M.QPSK, C.C1_4))
        self.assertEqual(st.step_ups, 1)
        self.assertEqual(st.step_downs, 1)
        self.assertAlmostEqual(st.reported_esn0_db, -0.5, delta=0.05)
        self.assertAlmostEqual(acm.now_s(), (n_high + n_low - 1) * 0.01, delta=1e-6)
        # Every accepted report gave a decision message.
        self.assertEqual(sum(1 for d in messages(h.decision) if not d[K.changed]) +
                         sum(1 for d in changes[1:]), st.reports_accepted)

    def test_002_wire_reports(self):
        acm = dualsat.acm_controller(SYMBOL_RATE, frame=F.SHORT, max_modcod=6, outer_loop=False,
                                     step_up_hold_s=0.5)
        h = Harness(acm)
        msgs = []
        seq = 0
        for i in range(12):  # 3 s of good reports: a step up
            seq += 1
            raw = report(seq, 0.25 * i, 12.0)
            msgs.append((P.reports, pdu(raw) if i % 2 else pmt.init_u8vector(len(raw), list(raw))))
        bad = bytearray(report(seq + 1, 3.0, 12.0))
        bad[19] ^= 0x01  # Es/N0 bit: CRC-32C mismatch
        msgs.append((P.reports, pdu(bytes(bad))))
        msgs.append((P.reports, pdu(report(seq + 1, 3.0, 12.0)[:20])))  # truncated
        msgs.append((P.reports, pmt.intern('not a report')))
        msgs.append((P.reports, pdu(report(seq + 1, 3.0, 12.0, link_id=7))))  # another link's
        msgs.append((P.reports, pdu(report(seq, 3.0, 12.0))))  # a duplicate
        msgs.append((P.reports, pdu(report(seq + 1, 3.25, 12.0, locked=False))))
        total = 12 + 6
        self.assertTrue(h.run(msgs, lambda: acm.malformed_reports() >= 3 and
                              acm.state().reports_accepted >= 13))
        st = acm.state()
        self.assertEqual(acm.malformed_reports(), 3)
        self.assertEqual(st.reports_accepted, 13)
        self.assertEqual(st.reports_wrong_link, 1)
        self.assertEqual(st.reports_duplicate, 1)
        self.assertEqual(st.reports_accepted + st.reports_wrong_link + st.reports_duplicate +
                         acm.malformed_reports(), total)
        # Up after the 0.5 s hold while the reports were good (to the top: every report of
        # the hold sustained it), then the far end's loss of lock puts the fallback in force
        # at once.
        sent = [m[K.modcod] for m in messages(h.modcod)]
        self.assertEqual(sent, [1, 6, 1])
        self.assertTrue(st.fallback)
        self.assertEqual(st.reason, 'far end unlocked')

    def test_003_feedback_delay(self):
        # The same fade seen through a 0.5 s return path: the controller reacts 0.5 s later.
        def fade_time(delay):
            acm = dualsat.acm_controller(SYMBOL_RATE, frame=F.SHORT, max_modcod=4,
                                         outer_loop=False, predict_fades=False,
                                         step_up_hold_s=0.5, feedback_delay_s=delay)
            h = Harness(acm)
            msgs = [(P.stats, stats_dict(10000 * i, 8.0 if i < 400 else 0.0)) for i in range(600)]
            self.assertTrue(h.run(msgs, lambda: acm.frames_observed() >= 600))
            downs = [d for d in messages(h.decision)
                     if d[K.changed] and d[K.reason] in ('fade', 'predicted fade')]
            self.assertEqual(len(downs), 1)
            return downs[0][K.time_s]

        direct, delayed = fade_time(0.0), fade_time(0.5)
        self.assertGreaterEqual(direct, 4.0)
        self.assertLess(direct, 4.3)
        self.assertAlmostEqual(delayed - direct, 0.5, delta=1e-6)

    def test_004_wall_clock_timeout(self):
        # Live radio: one good report, then silence; the block's own timer falls back.
        acm = dualsat.acm_controller(SYMBOL_RATE, clock=dualsat.AcmClock.WALL, frame=F.SHORT,
                                     max_modcod=6, report_timeout_s=0.2)
        h = Harness(acm)
        ok = h.run([(P.reports, pdu(report(1, 0.0, 12.0)))],
                   lambda: acm.state().reason == 'report timeout')
        self.assertTrue(ok, acm.state().text)
        st = acm.state()
        self.assertTrue(st.fallback)
        self.assertEqual(st.fallbacks, 1)
        self.assertEqual(st.reports_accepted, 1)

    def test_005_bad_parameters(self):
        for kwargs in ({'symbol_rate': 0.0},
                       {'symbol_rate': 1e6, 'clock': dualsat.AcmClock.WALL, 'feedback_delay_s': 0.25},
                       {'symbol_rate': 1e6, 'min_modcod': 10, 'max_modcod': 5},
                       {'symbol_rate': 1e6, 'excluded_modulations': '64QAM'},
                       {'symbol_rate': 1e6, 'fallback_modcod': 29},
                       {'symbol_rate': 1e6, 'link_id': 70000},
                       {'symbol_rate': 1e6, 'thresholds_file': '/nonexistent/qef.csv'}):
            with self.subTest(**{k: str(v) for k, v in kwargs.items()}):
                with self.assertRaises(ValueError):
                    dualsat.acm_controller(**kwargs)
        # Excluded modulations leave the ladder.
        acm = dualsat.acm_controller(1e6, excluded_modulations='16APSK, 32APSK')
        self.assertEqual(max(r.modcod_number for r in acm.ladder()), 17)

    def test_006_thresholds_files(self):
        # A dualsat-fer-sweep CSV (recognised by its frame_errors column): the Es/N0 where
        # the FER reaches target_fer, plus the implementation loss. Short frames: QPSK 1/2
        # reaches 1e-3 at 1.25 dB (1e-2 at 1.0, 1e-4 at 1.5), QPSK 2/3 at 2.5 dB.
        rows = ['# dualsat-fer-sweep',
                'modulation,code_rate,frame,esn0_db,qef_esn0_db,frames,frame_errors,fer',
                'QPSK,1/2,short,1.0,1.0,1000,10,0.01',
                'QPSK,1/2,short,1.5,1.0,10000,1,0.0001',
                'QPSK,1/2,short,2.0,1.0,10000,0,0',
                'QPSK,2/3,short,2.5,3.1,10000,0,0',
                'QPSK,3/4,short,2.5,4.0,100,0,0']  # too few frames to show 1e-3: never used
        with tempfile.TemporaryDirectory() as d:
            sweep = os.path.join(d, 'fer.csv')
            with open(sweep, 'w') as f:
                f.write('\n'.join(rows) + '\n')
            acm = dualsat.acm_controller(SYMBOL_RATE, frame=F.SHORT, thresholds_file=sweep,
                                         target_fer=1e-3, implementation_loss_db=0.2)
            self.assertEqual([(r.modcod_number, round(r.threshold_db, 6)) for r in acm.ladder()],
                             [(4, 1.45), (6, 2.7)])
            # Table 13 from a file of one's own: what the default finds installed.
            here = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(here, '..', '..', 'data', 'dvbs2_qef_esn0.csv')) as f:
                table = f.read()
            own = os.path.join(d, 'qef.csv')
            with open(own, 'w') as f:
                f.write(table)
            a = dualsat.acm_controller(SYMBOL_RATE, thresholds_file=own, implementation_loss_db=0.7)
            b = dualsat.acm_controller(SYMBOL_RATE, implementation_loss_db=0.7)
            self.assertEqual([(r.modcod_number, r.threshold_db) for r in a.ladder()],
                             [(r.modcod_number, r.threshold_db) for r in b.ladder()])
            # QPSK 1/4 normal: Table 13's -2.35 dB + 0.7.
            self.assertAlmostEqual(a.ladder()[0].threshold_db, -2.35 + 0.7, places=6)
            with open(own, 'w') as f:
                f.write('modulation,code_rate,esn0_db\nQPSK,1/2,one\n')
            with self.assertRaises(ValueError):
                dualsat.acm_controller(SYMBOL_RATE, thresholds_file=own)

    def test_007_closed_loop_through_a_fade(self):
        # One flowgraph: tx_bc (TS, short frames, pilots) -> RRC at 2 sps -> AWGN ->
        # rx_cb -> stats -> acm_controller -> modcod -> tx_bc. Times scaled to the symbol
        # clock: a report every 25 ms, a 0.1 s hold. At 11 dB the ladder (MODCODs 1..13)
        # is climbed to 8PSK 2/3 (needs 7.42 + 1 dB margin, + 0.4 hysteresis to enter);
        # then the channel drops to 3.5 dB, where QPSK 1/2 (1.8 + 1) is the highest rung
        # (QPSK 3/5 needs 4.03). The fade prediction may take it a rung lower for as long
        # as the drop is in the slope window (2 s): it comes back up after that.
        # The outer loop is off: the frames lost in the fade would raise the margin by a
        # controller-chosen amount, and the rung reached would depend on how many.
        tx = dualsat.tx_bc(dualsat.TxInputMode.TS, F.SHORT, C.C8_9, M.APSK32, pilots=False,
                           gold_code=0, ccm=False, idle=dualsat.IdlePolicy.DUMMY, workers=1)
        pkts = np.tile(np.arange(188, dtype=np.uint8), 50)
        pkts[::188] = 0x47
        src = blocks.vector_source_b(pkts.tolist(), True)
        shaper = dualsat.pulse_shaper_cc(0.2, 2, 16, 1.0)
        chan = dualsat.channel_emulator_cc(11.0, samples_per_symbol=2.0, symbol_energy=2.0, seed=3)
        rx = dualsat.rx_cb(SYMBOL_RATE, 2 * SYMBOL_RATE, 0.2, 0, 1, True)
        acm = dualsat.acm_controller(SYMBOL_RATE, frame=F.SHORT, max_modcod=13,
                                     outer_loop=False, step_up_hold_s=0.1, report_interval_s=0.025,
                                     report_timeout_s=0.2, loop_delay_s=0.2)
        top = acm.ladder()[-1].modcod_number
        self.assertEqual(top, 13)
        rx_stats = blocks.message_debug()
        decisions = blocks.message_debug()
        tb = gr.top_block()
        tb.connect(src, tx, shaper, chan, rx, blocks.null_sink(1))
        tb.msg_connect(rx, P.stats, acm, P.stats)
        tb.msg_connect(acm, P.modcod, tx, P.modcod)
        tb.msg_connect(rx, P.stats, rx_stats, 'store')
        tb.msg_connect(acm, P.decision, decisions, 'store')
        tb.start()
        try:
            climbed = wait_for(lambda: acm.state().modcod == top, 60)
            state_high = acm.state()
            frames_high = rx_stats.num_messages()
            chan.set_esn0_db(3.5)
            fell = wait_for(lambda: acm.state().step_downs > 0, 30)
            t_fall = acm.now_s()
            # The fade leaves the slope window; frames of the final MODCOD reach the
            # receiver.
            settled = wait_for(lambda: acm.now_s() > t_fall + 3.0, 60)
        finally:
            tb.stop()
            tb.wait()
        self.assertTrue(climbed, acm.state().text)
        self.assertTrue(fell, acm.state().text)
        self.assertTrue(settled)
        # Up in as many rungs at once as each hold's reports sustained: at a steady 11 dB
        # typically one step from the fallback to the top.
        self.assertGreaterEqual(state_high.step_ups, 1)
        self.assertLessEqual(state_high.step_ups, len(acm.ladder()) - 1)
        self.assertGreater(state_high.reported_esn0_db, 10.0)
        st = acm.state()
        self.assertEqual(st.modcod, 4, st.text)
        self.assertAlmostEqual(st.reported_esn0_db, 3.5, delta=0.5)
        self.assertEqual(tx.bad_modcod_messages(), 0)
        self.assertEqual(acm.bad_stats_messages(), 0)
        # What the receiver saw: the MODCOD sequence of its data frames, runs collapsed.
        seen = []
        for d in messages(rx_stats):
            if d.get(K.dummy):
                continue
            if not seen or seen[-1] != d[K.modcod]:
                seen.append(d[K.modcod])
        print('MODCODs at the receiver:', seen)
        # Every frame in the controller's formats: short, pilots on (tx_bc's own format,
        # 32APSK 8/9 without pilots, at most until the controller's first message lands).
        for d in messages(rx_stats):
            if not d.get(K.dummy) and d[K.modcod] != 27:
                self.assertEqual((d[K.frame], d[K.pilots]), ('short', True))
        ladder = [r.modcod_number for r in acm.ladder()]
        # Up the ladder (the fallback first; tx_bc's own format may show in the first
        # frames), only up, to the top, then down to QPSK 1/2 after the fade.
        climb = seen[seen.index(1):seen.index(top) + 1]
        self.assertEqual(climb, sorted(set(climb), key=ladder.index))
        self.assertTrue(set(climb) <= set(ladder), climb)
        self.assertEqual((climb[0], climb[-1]), (1, top))
        self.assertEqual(seen[-1], 4)
        # The frames after the fall decode at the lower MODCOD.
        tail = [d for d in messages(rx_stats)[frames_high:] if not d.get(K.dummy)
                and d[K.modcod] == 4]
        self.assertGreater(len(tail), 5)
        self.assertTrue(all(d[K.ok] for d in tail[1:]))


if __name__ == '__main__':
    gr_unittest.run(qa_acm_controller)

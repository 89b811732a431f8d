#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: link_reporter, the receiving end of an ACM loop: rx_cb stats in, 35-byte link
reports out (one per interval, their fields), and the two-block loop link_reporter ->
"reports" -> acm_controller deciding exactly as acm_controller fed the stats itself."""

import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

from qa_acm_controller import SYMBOL_RATE, drain, messages, stats_dict, stored, wait_for

F, K, P = dualsat.FrameSize, dualsat.dict_keys, dualsat.msg_ports


def run(post_to, msgs, done, connect):
    tb = gr.top_block()
    sink = connect(tb)  # the message_debug the test reads
    tb.start()
    for port, m in msgs:
        post_to.to_basic_block()._post(pmt.intern(port), m)
    ok = wait_for(done) and drain([sink])
    tb.stop()
    tb.wait()
    return ok, sink


class qa_link_reporter(gr_unittest.TestCase):

    def test_001_reports(self):
        rep = dualsat.link_reporter(SYMBOL_RATE, interval_s=0.25, link_id=9)
        # 2 s of frames every 10 ms: Es/N0 alternating 9 and 11 dB (mean 10), every 10th
        # data frame failed, every 5th frame a dummy; the MODCOD changes at 1 s.
        msgs = []
        for i in range(200):
            msgs.append((P.stats, stats_dict(10000 * i, 9.0 if i % 2 else 11.0,
                                             modcod=4 if i < 100 else 6, ok=(i % 10 != 3),
                                             dummy=(i % 5 == 4))))
        msgs.append((P.stats, pmt.PMT_T))
        msgs.append((P.stats, stats_dict(0, 3.0, modcod=40)))

        def connect(tb):
            dbg = blocks.message_debug()
            tb.msg_connect(rep, P.reports, dbg, 'store')
            return dbg

        ok, dbg = run(rep, msgs, lambda: rep.frames_observed() + rep.bad_stats_messages() >= 202,
                      connect)
        self.assertTrue(ok)
        self.assertEqual(rep.bad_stats_messages(), 2)
        self.assertEqual(rep.frames_observed(), 200)
        self.assertEqual(rep.estimates_rejected(), 0)
        raw = [bytes(pmt.u8vector_elements(pmt.cdr(m))) for m in stored(dbg)]
        self.assertTrue(all(len(r) == 35 for r in raw))
        reports = [dualsat.LinkReport.parse(r) for r in raw]
        # The first at once, then one every 0.25 s of the 1.99 s.
        self.assertEqual(len(reports), 8)
        self.assertEqual(rep.reports(), 8)
        self.assertEqual([r.sequence for r in reports], list(range(8)))
        self.assertEqual([r.timestamp_ns for r in reports], [int(0.25e9) * k for k in range(8)])
        for r in reports:
            self.assertEqual(r.link_id, 9)
            self.assertTrue(r.locked)
            self.assertTrue(r.esn0_valid)
        # Equal variances: the interval's Es/N0 is the plain mean (25 frames: 13 of one
        # value, 12 of the other, so within 0.1 dB of 10).
        for r in reports[1:]:
            self.assertAlmostEqual(r.esn0_db, 10.0, delta=0.1)
        data = [i for i in range(200) if i % 5 != 4]
        self.assertEqual(sum(r.frames_ok + r.frames_failed for r in reports),
                         len([i for i in data if 10000 * i <= reports[-1].timestamp_ns / 1000]))
        self.assertEqual(sum(r.frames_failed for r in reports),
                         len([i for i in data if i % 10 == 3 and i <= 175]))
        self.assertEqual([r.last_modcod for r in reports], [4, 4, 4, 4, 6, 6, 6, 6])

    def test_002_reports_drive_the_controller_as_stats_do(self):
        def controller():
            return dualsat.acm_controller(SYMBOL_RATE, frame=F.SHORT, max_modcod=9,
                                          step_up_hold_s=0.5, outer_loop=False)

        msgs = [(P.stats, stats_dict(10000 * i, 9.0 if i < 500 else 1.0, ok=(i % 7 != 0),
                                     dummy=(i % 4 == 3))) for i in range(700)]

        direct = controller()

        def connect_direct(tb):
            dbg = blocks.message_debug()
            tb.msg_connect(direct, P.decision, dbg, 'store')
            return dbg

        ok, d1 = run(direct, msgs, lambda: direct.frames_observed() >= 700, connect_direct)
        self.assertTrue(ok)

        rep = dualsat.link_reporter(SYMBOL_RATE, interval_s=0.25)
        remote = controller()

        def connect_remote(tb):
            tb.msg_connect(rep, P.reports, remote, P.reports)
            dbg = blocks.message_debug()
            tb.msg_connect(remote, P.decision, dbg, 'store')
            return dbg

        ok, d2 = run(rep, msgs, lambda: remote.state().reports_accepted >= direct.state().reports_accepted,
                     connect_remote)
        self.assertTrue(ok)
        a = [(m[K.modcod], m[K.reason], round(m[K.time_s], 9)) for m in messages(d1) if m[K.changed]]
        b = [(m[K.modcod], m[K.reason], round(m[K.time_s], 9)) for m in messages(d2) if m[K.changed]]
        # The initial rung, a step up (several rungs at once: the controller climbs to what
        # the whole hold supported), the fade's step down: each must agree.
        self.assertGreaterEqual(len(a), 3)
        self.assertEqual([r for _, r, _ in a], ["initial", "step up", "fade"], a)
        self.assertEqual(a, b)
        self.assertEqual(remote.malformed_reports(), 0)
        self.assertEqual(direct.state().reports_accepted, rep.reports())

    def test_003_bad_parameters(self):
        for args in ((0.0,), (1e6, dualsat.AcmClock.SYMBOLS, 0.0), (1e6, dualsat.AcmClock.WALL, 61.0),
                     (1e6, dualsat.AcmClock.SYMBOLS, 0.25, -1)):
            with self.assertRaises(ValueError):
                dualsat.link_reporter(*args)


if __name__ == '__main__':
    gr_unittest.run(qa_link_reporter)

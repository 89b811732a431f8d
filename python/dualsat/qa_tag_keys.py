#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the names of gnuradio/dualsat/tag_keys.h as Python sees them (dualsat.msg_ports,
dualsat.tag_keys, dualsat.dict_keys) are exactly the ones the README's table documents,
and each Python name is its value (one spelling). Whether the blocks emit these keys is
checked by their own qa tests (qa_tx_bc, qa_pl_sync_cc, qa_rx_cb, qa_fec_decoder)."""

import os
import re

from gnuradio import gr_unittest

from gnuradio import dualsat

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'README.md')
SECTION = '### Message ports, stream tags and their keys'


def names(namespace):
    return {k: v for k, v in vars(namespace).items() if not k.startswith('_')}


def readme_tables():
    """{first header cell: [the backquoted first cell of each row]} of the section's tables."""
    with open(README, encoding='utf-8') as f:
        text = f.read()
    start = text.index(SECTION)
    end = text.find('\n#', start + len(SECTION))
    tables, current = {}, None
    for line in text[start:end if end >= 0 else len(text)].splitlines():
        if not line.startswith('|'):
            current = None
            continue
        first = line.split('|')[1].strip()
        if current is None:
            current = tables.setdefault(first, [])
        elif not first.startswith('---'):
            m = re.fullmatch(r'`([a-z_0-9]+)`', first)
            current.append(m.group(1) if m else first)
    return tables


class qa_tag_keys(gr_unittest.TestCase):

    def test_001_python_name_is_the_value(self):
        for ns in (dualsat.msg_ports, dualsat.tag_keys, dualsat.dict_keys):
            for name, value in names(ns).items():
                self.assertIsInstance(value, str)
                self.assertEqual(name, value)

    def test_002_readme_documents_every_key_once(self):
        tables = readme_tables()
        for header, ns in (('message port', dualsat.msg_ports), ('stream tag', dualsat.tag_keys),
                           ('key', dualsat.dict_keys)):
            rows = tables.get(header)
            self.assertIsNotNone(rows, f"README: no table headed '{header}'")
            self.assertEqual(len(rows), len(set(rows)), f"README '{header}': a row twice")
            self.assertEqual(set(rows), set(names(ns).values()), f"README '{header}' table")


if __name__ == '__main__':
    gr_unittest.run(qa_tag_keys)

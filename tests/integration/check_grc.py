#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the GRC side of gr-dualsat without a display.

1. Every grc/*.block.yml loads into GRC's platform without schema warnings, every block
   can be placed in a flowgraph with its default parameters and validates (apart from
   unconnected ports), and the category tree puts it under [dualsat].
2. Every examples/*.grc compiles with grcc; those with generate_options 'no_gui' are then
   run to completion with the build tree's gnuradio.dualsat.
"""

import argparse
import glob
import logging
import os
import subprocess
import sys

import yaml
from gnuradio import gr
from gnuradio.grc.core.platform import Platform


class Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def check_blocks(blocks_dir, pythonpath):
    sys.path.insert(0, pythonpath)  # the yml templates import gnuradio.dualsat
    collector = Collector()
    logging.getLogger('gnuradio.grc').addHandler(collector)
    platform = Platform(name='gr-dualsat check', prefs=gr.prefs(), version=gr.version(),
                        version_parts=(gr.major_version(), gr.api_version(), gr.minor_version()))
    # GNU Radio's own blocks, without any installed copy of ours (which would shadow the
    # tree under test and make GRC warn about the overwrite).
    default_paths = [p for p in platform.config.block_paths
                     if not glob.glob(os.path.join(p, 'dualsat_*.block.yml'))]
    if not default_paths:
        return ['no GNU Radio block path found']
    platform.build_library(default_paths + [blocks_dir])

    failures = []
    ours = sorted(glob.glob(os.path.join(blocks_dir, '*.block.yml')))
    if not ours:
        failures.append('no .block.yml files in ' + blocks_dir)
    for rec in collector.records:
        msg = rec.getMessage()
        if blocks_dir in msg or any(os.path.basename(p) in msg for p in ours):
            failures.append('GRC warned: ' + msg)

    for path in ours:
        with open(path) as f:
            data = yaml.safe_load(f)
        block_id = data['id']
        if block_id not in platform.blocks:
            failures.append(f'{path}: block {block_id} did not load')
            continue
        if data.get('category', '').split('/')[0] != '[dualsat]':
            failures.append(f'{path}: category {data.get("category")!r} is not under [dualsat]')
        fg = platform.make_flow_graph()
        block = fg.new_block(block_id)
        block.params['id'].set_value(block_id + '_0')
        fg.rewrite()
        fg.validate()
        errors = [e for e in block.get_error_messages()
                  if 'not connected' not in e and 'Port is not connected' not in e]
        if errors:
            failures.append(f'{block_id}: ' + '; '.join(errors))
        print(f'block {block_id}: ok' if not errors else f'block {block_id}: FAILED')
    return failures


def check_examples(examples_dir, workdir, pythonpath, blocks_dir):
    failures = []
    env = dict(os.environ)
    env['GRC_BLOCKS_PATH'] = blocks_dir
    # Only GNU Radio's own blocks besides the tree under test: an installed copy of ours
    # (e.g. in /usr/local) must not shadow it. GNU Radio reads GR_CONF_<SECTION>_<KEY>.
    env['GR_CONF_GRC_GLOBAL_BLOCKS_PATH'] = '/usr/share/gnuradio/grc/blocks'
    env['PYTHONPATH'] = pythonpath + os.pathsep + env.get('PYTHONPATH', '')
    env['GR_DONT_LOAD_PREFS'] = '1'
    for grc in sorted(glob.glob(os.path.join(examples_dir, '*.grc'))):
        name = os.path.splitext(os.path.basename(grc))[0]
        out = os.path.join(workdir, name)
        os.makedirs(out, exist_ok=True)
        res = subprocess.run(['grcc', '-o', out, grc], env=env, capture_output=True, text=True)
        if res.returncode != 0:
            failures.append(f'grcc {grc}: {res.stdout}{res.stderr}')
            continue
        with open(grc) as f:
            data = yaml.safe_load(f)
        opts = data['options']['parameters']
        if opts.get('generate_options') != 'no_gui':
            print(f'example {name}: compiled (GUI flowgraph, not run)')
            continue
        script = os.path.join(out, opts['id'] + '.py')
        try:
            run = subprocess.run(['/usr/bin/python3', script], env=env, capture_output=True,
                                 text=True, timeout=300, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            failures.append(f'{name}: did not finish within 300 s')
            continue
        if run.returncode != 0:
            failures.append(f'{name}: exit {run.returncode}\n{run.stdout}{run.stderr}')
        else:
            print(f'example {name}: compiled and ran')
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--blocks', required=True)
    ap.add_argument('--examples', required=True)
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--pythonpath', required=True)
    args = ap.parse_args()
    failures = check_blocks(os.path.abspath(args.blocks), args.pythonpath)
    failures += check_examples(args.examples, args.workdir, args.pythonpath,
                               os.path.abspath(args.blocks))
    for f in failures:
        print('FAIL:', f)
    print(f'{len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""scipy side of bench/clustering.ts: pdist + linkage on the same points, timed inside Python.

usage: python3 bench/scipy_hac.py POINTS.f64 N D [--sim 0.63] [--methods average,single,complete] [--labels OUT.json]
POINTS.f64: N*D float64 little-endian, row-major. Prints one JSON line: scipy/numpy versions, pdist_s and
linkage_s per method (wall; *_cpu_s: process CPU time; load time excluded), max distance. With --labels, writes
{method: fcluster(Z, maxDist * (1 - sim), 'distance')} to OUT.json.
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist


def main():
    args = sys.argv[1:]
    opt = {}
    for key in ('--sim', '--methods', '--labels'):
        if key in args:
            i = args.index(key)
            opt[key] = args[i + 1]
            del args[i:i + 2]
    path, n, d = args[0], int(args[1]), int(args[2])
    sim = float(opt.get('--sim', '0.63'))
    methods = opt.get('--methods', 'average,single,complete').split(',')
    X = np.fromfile(path, dtype='<f8').reshape(n, d)
    t0, c0 = time.perf_counter(), time.process_time()
    y = pdist(X)
    pdist_s, pdist_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    max_dist = float(y.max())
    linkage_s, linkage_cpu_s, labels = {}, {}, {}
    for m in methods:
        t0, c0 = time.perf_counter(), time.process_time()
        Z = linkage(y, method=m)
        linkage_s[m], linkage_cpu_s[m] = time.perf_counter() - t0, time.process_time() - c0
        labels[m] = fcluster(Z, max_dist * (1 - sim), criterion='distance').tolist()
        del Z
    if '--labels' in opt:
        with open(opt['--labels'], 'w') as f:
            json.dump(labels, f)
    print(json.dumps({'scipy': scipy.__version__, 'numpy': np.__version__, 'n': n, 'd': d,
                      'pdist_s': pdist_s, 'pdist_cpu_s': pdist_cpu_s, 'linkage_s': linkage_s,
                      'linkage_cpu_s': linkage_cpu_s, 'maxDist': max_dist}))


if __name__ == '__main__':
    main()

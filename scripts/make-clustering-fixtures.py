#!/usr/bin/env python3
"""Writes the scipy reference fixtures of libs/clustering to test/fixtures/clustering/.

usage: python3 scripts/make-clustering-fixtures.py   (python3 + numpy + scipy; deterministic seeds)

Files:
  small.json     small point sets (n = 2..60; exact ties, duplicates, 2-D .. 256-D): points (exact float64
                 as JSON numbers), scipy pdist, max distance, for average/single/complete: Z and fcluster
                 labels at every SIM; and condensedSets: precomputed distance matrices (all-equal
                 distances: the sim = 0 edge case) with the same.
  blobs2000.json 2,000 synthetic 256-d fingerprints (face half + cloth half, 30 people, several outfits),
                 stored as float32 little-endian base64 (both sides read exactly these float32 values as
                 float64); for each method: Z, labels at every SIM; pdist samples; reference flows
                 (cut + min_csize + merge, written plainly below) with their labels.
  metrics.json   label pairs with NMI (scikit-learn's arithmetic formula re-implemented), purity and
                 pairwise precision/recall/F1 (as /work/shared/tools/score.py), null predictions both ways.
  fingerprints.json  face/cloth vectors, weights and the expected concatenated fingerprints.
"""
import base64
import json
import math
import os
from collections import Counter

import numpy as np
import scipy
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'clustering')
SIMS = [0, 0.2, 0.4, 0.63, 0.8, 0.95, 1]
METHODS = ['average', 'single', 'complete']


def cut(Z, max_dist, sim):
    # the method's relative threshold, computed as the TS side does: maxDist * (1 - sim)
    return fcluster(Z, max_dist * (1 - sim), criterion='distance').tolist()


def hac_entry(X, with_pdist=True):
    y = pdist(X)
    max_dist = float(y.max()) if y.size else 0.0
    entry = {'n': int(X.shape[0]), 'd': int(X.shape[1]), 'maxDist': max_dist, 'methods': {}}
    if with_pdist:
        entry['pdist'] = y.tolist()
    for m in METHODS:
        Z = linkage(y, method=m)
        entry['methods'][m] = {'Z': Z.tolist(), 'labels': {str(s): cut(Z, max_dist, s) for s in SIMS}}
    return entry, y


def small_sets():
    rng = np.random.default_rng(20240501)
    sets = {}
    sets['n2'] = np.array([[0.0, 0.0], [3.0, 4.0]])
    sets['n3_all_equal'] = np.zeros((3, 4))
    sets['n10_3d'] = rng.standard_normal((10, 3))
    sets['grid2d_ties'] = rng.integers(0, 5, size=(30, 2)).astype(float)
    base = rng.standard_normal((8, 2))
    sets['duplicates_2d'] = base[rng.integers(0, 8, size=20)]
    sets['rounded2d_n40'] = np.round(rng.uniform(0, 1, size=(40, 2)), 1)
    sets['collinear_n25'] = np.stack([np.arange(25.0), np.zeros(25)], axis=1)
    sets['square_n16'] = np.array([[float(i % 4), float(i // 4)] for i in range(16)])
    sets['normal256_n60'] = rng.standard_normal((60, 256))
    centers = rng.standard_normal((5, 256))
    sets['blobs256_n50'] = centers[rng.integers(0, 5, size=50)] + 0.3 * rng.standard_normal((50, 256))
    sets['ties256_n30'] = rng.integers(-1, 2, size=(30, 256)).astype(float)
    out = {}
    for name, X in sets.items():
        entry, _ = hac_entry(X)
        entry['points'] = X.tolist()
        out[name] = entry
    return out


def condensed_sets():
    """Precomputed condensed matrices (no points). All-equal distances make average linkage's
    Lance-Williams update round its merge heights an ulp above the maximum distance, so scipy's cut
    at sim = 0 (t = maxDist) gives 2 clusters, not 1: the TS side must agree."""
    out = {}
    for name, n, v in [('equal_0.1_n4', 4, 0.1), ('equal_0.7_n7', 7, 0.7), ('equal_0.3_n12', 12, 0.1 + 0.2)]:
        y = np.full(n * (n - 1) // 2, v)
        entry = {'n': n, 'condensed': y.tolist(), 'maxDist': float(y.max()), 'methods': {}}
        for m in METHODS:
            Z = linkage(y, method=m)
            entry['methods'][m] = {'Z': Z.tolist(), 'labels': {str(s): cut(Z, float(y.max()), s) for s in SIMS}}
        out[name] = entry
    return out


def make_blobs(n=2000, people=30, seed=7):
    rng = np.random.default_rng(seed)
    sizes = rng.dirichlet(np.full(people, 0.6)) * n
    counts = np.maximum(1, np.floor(sizes)).astype(int)
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    while counts.sum() < n:
        counts[rng.integers(0, people)] += 1
    faces, cloths, ids = [], [], []
    for p in range(people):
        face_c = rng.standard_normal(128)
        face_c /= np.linalg.norm(face_c)
        outfits = [rng.standard_normal(128) for _ in range(int(rng.integers(1, 4)))]
        outfits = [o / np.linalg.norm(o) for o in outfits]
        for _ in range(counts[p]):
            faces.append(face_c + rng.normal(0, rng.choice([0.01, 0.02, 0.035]), 128))
            cloths.append(outfits[int(rng.integers(0, len(outfits)))] + rng.normal(0, 0.02, 128))
            ids.append(p)
    order = rng.permutation(n)
    F = np.array(faces)[order]
    C = np.array(cloths)[order]
    X = np.concatenate([F / np.linalg.norm(F, axis=1, keepdims=True), C / np.linalg.norm(C, axis=1, keepdims=True)], axis=1)
    X32 = X.astype('<f4')
    return X32, [ids[i] for i in order]


def ref_flow(X, Z, max_dist, sim, min_csize, merge, face_th, cloth_th, iterations, face_dim=128):
    """The method's steps 5-6 written plainly (the TS side must agree)."""
    T = fcluster(Z, max_dist * (1 - sim), criterion='distance')
    groups = {}
    for i, l in enumerate(T):
        groups.setdefault(int(l), []).append(i)
    clusters = sorted([g for g in groups.values() if len(g) >= min_csize], key=lambda g: (-len(g), g[0]))
    if merge:
        for _ in range(iterations):
            means = [X[g].mean(axis=0) for g in clusters]
            merged = [False] * len(clusters)
            new = []
            for i in range(len(clusters)):
                if merged[i]:
                    continue
                cur = list(clusters[i])
                for j in range(i + 1, len(clusters)):
                    if merged[j]:
                        continue
                    df = np.linalg.norm(means[i][:face_dim] - means[j][:face_dim])
                    dc = np.linalg.norm(means[i][face_dim:] - means[j][face_dim:])
                    if df < face_th or dc < cloth_th:
                        cur += clusters[j]
                        merged[j] = True
                new.append(sorted(cur))
            clusters = sorted(new, key=lambda g: (-len(g), g[0]))
    labels = [None] * X.shape[0]
    for k, g in enumerate(clusters):
        for i in g:
            labels[i] = k
    return labels


def blobs():
    X32, ids = make_blobs()
    X = X32.astype(np.float64)
    entry, y = hac_entry(X, with_pdist=False)
    n = X.shape[0]
    rng = np.random.default_rng(99)
    samples = []
    for _ in range(3000):
        i, j = sorted(rng.choice(n, 2, replace=False).tolist())
        samples.append([i, j, float(y[n * i - i * (i + 1) // 2 + (j - i - 1)])])
    entry['pdistSamples'] = samples
    entry['pointsF32Base64'] = base64.b64encode(X32.tobytes()).decode('ascii')
    entry['truth'] = ids
    flows = []
    for params in [
        dict(sim=0.63, min_csize=2, method='average', merge=True, face_threshold=0.18, cloth_threshold=0.12, iterations=1),
        dict(sim=0.63, min_csize=2, method='average', merge=False, face_threshold=0.18, cloth_threshold=0.12, iterations=1),
        dict(sim=0.4, min_csize=3, method='average', merge=True, face_threshold=0.25, cloth_threshold=0.12, iterations=3),
        dict(sim=0.63, min_csize=5, method='complete', merge=True, face_threshold=0.3, cloth_threshold=0.2, iterations=2),
        dict(sim=0.7, min_csize=2, method='single', merge=True, face_threshold=0.18, cloth_threshold=0.12, iterations=1),
    ]:
        Z = np.array(entry['methods'][params['method']]['Z'])
        labels = ref_flow(X, Z, entry['maxDist'], params['sim'], params['min_csize'], params['merge'],
                          params['face_threshold'], params['cloth_threshold'], params['iterations'])
        before = ref_flow(X, Z, entry['maxDist'], params['sim'], params['min_csize'], False, 0, 0, 0)
        flows.append({'params': params, 'labels': labels,
                      'clustersBeforeMerge': len({l for l in before if l is not None}),
                      'clusters': len({l for l in labels if l is not None})})
    entry['flows'] = flows
    return entry


# ---- metrics: scikit-learn's normalized_mutual_info_score (arithmetic) re-implemented with numpy ----

def sk_entropy(labels):
    if len(labels) == 0:
        return 1.0
    _, inv = np.unique(np.array(labels, dtype=object).astype(str), return_inverse=True)
    pi = np.bincount(inv).astype(np.float64)
    pi = pi[pi > 0]
    if pi.size == 1:
        return 0.0
    s = np.sum(pi)
    return float(-np.sum((pi / s) * (np.log(pi) - math.log(s))))


def sk_nmi(truth, pred):
    t = np.array([str(x) for x in truth])
    p = np.array([str(x) for x in pred])
    classes, ti = np.unique(t, return_inverse=True)
    clusters, pi_ = np.unique(p, return_inverse=True)
    if classes.shape[0] == clusters.shape[0] == 1 or classes.shape[0] == clusters.shape[0] == 0:
        return 1.0
    cont = np.zeros((classes.shape[0], clusters.shape[0]))
    np.add.at(cont, (ti, pi_), 1)
    nzx, nzy = np.nonzero(cont)
    nz_val = cont[nzx, nzy]
    csum = cont.sum()
    pi = cont.sum(axis=1)
    pj = cont.sum(axis=0)
    if pi.size == 1 or pj.size == 1:
        mi = 0.0
    else:
        log_cnm = np.log(nz_val)
        cnm = nz_val / csum
        outer = pi.take(nzx).astype(np.int64) * pj.take(nzy).astype(np.int64)
        log_outer = -np.log(outer) + math.log(pi.sum()) + math.log(pj.sum())
        mi = cnm * (log_cnm - math.log(csum)) + cnm * log_outer
        mi = np.where(np.abs(mi) < np.finfo(mi.dtype).eps, 0.0, mi)
        mi = float(np.clip(mi.sum(), 0.0, None))
    if mi == 0:
        return 0.0
    h_true, h_pred = sk_entropy(list(t)), sk_entropy(list(p))
    return float(mi / ((h_true + h_pred) / 2))


def score_pairwise(truth, pred):  # as score.py
    def pairs(lbl):
        return sum(c * (c - 1) / 2 for c in Counter(lbl).values())
    tp = pairs(list(zip(truth, pred)))
    pp, tt = pairs(pred), pairs(truth)
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def purity(truth, pred):
    if not truth:
        return float('nan')
    return sum(Counter(t for t, q in zip(truth, pred) if q == c).most_common(1)[0][1] for c in set(pred)) / len(truth)


def metric_case(name, truth, pred):
    scored = [(t, p) for t, p in zip(truth, pred) if t is not None]
    solo = [(t, p if p is not None else ('solo', k)) for k, (t, p) in enumerate(scored)]
    kept = [(t, p) for t, p in scored if p is not None]
    ts, ps = [t for t, _ in solo], [p for _, p in solo]
    tk, pk = [t for t, _ in kept], [p for _, p in kept]
    pr, rc, f1 = score_pairwise(ts, ps) if ts else (0.0, 0.0, 0.0)
    prk, rck, f1k = score_pairwise(tk, pk) if tk else (0.0, 0.0, 0.0)
    return {
        'name': name, 'truth': truth, 'pred': pred,
        'nmi_singletons': sk_nmi(ts, ps), 'nmi_drop': sk_nmi(tk, pk),
        'purity_drop': purity(tk, pk) if tk else None, 'purity_singletons': purity(ts, ps) if ts else None,
        'pairwise_singletons': [pr, rc, f1], 'pairwise_drop': [prk, rck, f1k],
    }


def metrics():
    rng = np.random.default_rng(4242)
    cases = []
    t = rng.integers(0, 5, 200).tolist()
    cases.append(metric_case('random_k5_vs_k7', t, rng.integers(0, 7, 200).tolist()))
    noisy = [x if rng.random() > 0.2 else int(rng.integers(0, 5)) for x in t]
    cases.append(metric_case('noisy_copy', t, noisy))
    cases.append(metric_case('permuted_identical', t, [(x * 3 + 1) % 5 for x in t]))
    cases.append(metric_case('split_clusters', t, [x * 2 + int(rng.integers(0, 2)) for x in t]))
    cases.append(metric_case('constant_truth', [0] * 30, rng.integers(0, 3, 30).tolist()))
    cases.append(metric_case('constant_pred', rng.integers(0, 3, 30).tolist(), [1] * 30))
    cases.append(metric_case('both_constant', [2] * 12, [5] * 12))
    cases.append(metric_case('all_singletons', list(range(10)), list(range(10, 20))))
    with_null = [None if rng.random() < 0.25 else x for x in noisy]
    cases.append(metric_case('null_predictions', t, with_null))
    cases.append(metric_case('null_truth_and_pred', [None if i % 7 == 0 else x for i, x in enumerate(t)], with_null))
    cases.append(metric_case('string_ids', ['amy', 'raj', 'amy', 'penny', 'raj', 'amy', 'penny', 'raj'], [0, 1, 0, 2, 2, 0, 2, None]))
    return cases


def fingerprint_cases():
    rng = np.random.default_rng(11)
    face = rng.standard_normal((6, 128))
    cloth = rng.standard_normal((6, 128)) * 3
    cloth[2] = 0.0
    face[4] = 0.0
    out = []
    for w in ([1.0, 1.0], [1.0, 0.5], [2.0, 0.0]):
        X = []
        for f, c in zip(face, cloth):
            nf, nc = np.linalg.norm(f), np.linalg.norm(c)
            X.append(np.concatenate([f / nf * w[0] if nf else f * 0, c / nc * w[1] if nc else c * 0]).tolist())
        out.append({'weights': w, 'expected': X})
    return {'face': face.tolist(), 'cloth': cloth.tolist(), 'cases': out}


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'), allow_nan=True)
    print(f'{path}: {os.path.getsize(path) / 1e6:.2f} MB')


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {'scipy': scipy.__version__, 'numpy': np.__version__, 'sims': SIMS}
    dump('small.json', {'meta': meta, 'sets': small_sets(), 'condensedSets': condensed_sets()})
    dump('blobs2000.json', {'meta': meta, **blobs()})
    dump('metrics.json', {'meta': meta, 'cases': metrics()})
    dump('fingerprints.json', {'meta': meta, **fingerprint_cases()})


if __name__ == '__main__':
    main()

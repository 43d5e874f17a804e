/**
 * The pdist kernel as a small WebAssembly SIMD module (under 1 KB), emitted byte by byte here: no
 * build step, no binary in the repository. The worker threads compile the same bytes (pdist-engine.ts).
 *
 * Exactness: each f64x2 lane holds one pair (i, j) and accumulates s += (x_ik - x_jk)^2 over k in
 * order, with separate sub, mul and add (no fused multiply-add), then sqrt: the very operations of
 * pdist-kernel.ts and of scipy's `pdist(X, 'euclidean')`, so every distance is bit-identical. The
 * vector width only computes two pairs at once; it reorders no sum.
 *
 * Memory layout (one shared linear memory, all byte offsets):
 * - the points, pair-interleaved: rows 2g and 2g+1 form pair-row g of d*16 bytes, coordinate k of
 *   row 2g+l at g*d*16 + k*16 + l*8, so one v128 load reads x_jk and x_(j+1)k. Rows are padded with
 *   zeros to a multiple of COLS (the padding's distances are computed and never read).
 * - per thread, a scratch block of rows [i0, i1) x columns [c0, c1), row stride `stride` bytes, where
 *   the kernel writes sqrt(s) for every (i, j) of the rectangle; the caller copies out the j > i part.
 *
 * `rows(i0, i1, c0, c1, out, stride, d16)`: i0, i1 even, c0, c1 multiples of COLS. For columns in tiles
 * of TILE (so the column rows stay in cache while every row pair of the block passes over them), two
 * rows x COLS columns per pass: 2 * COLS / 2 f64x2 accumulators.
 */
export const COLS = 8;
export const TILE = 128;

/** The module's bytes: imports memory `e.m` (shared, `pages` 64 KiB pages) and exports `rows`. */
export function pdistWasmBytes(pages: number): Uint8Array {
  const u = (v: number): number[] => {
    const o: number[] = [];
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      o.push(b);
    } while (v !== 0);
    return o;
  };
  const s = (v: number): number[] => {
    const o: number[] = [];
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        o.push(b);
        return o;
      }
      o.push(b | 0x80);
    }
  };
  const section = (id: number, body: number[]): number[] => [id, ...u(body.length), ...body];
  const str = (t: string): number[] => [...u(t.length), ...Array.from(t, (c) => c.charCodeAt(0))];
  const I32 = 0x7f,
    V128 = 0x7b;
  // locals: params 0..6, then i32 J, Jend, i, j, pa, pend, orow, ocol, qa, then COLS/2 column pointers, then v128s
  const [i0, i1, c0, c1, out, stride, d16] = [0, 1, 2, 3, 4, 5, 6];
  const [J, Jend, i, j, pend, orow, ocol, qa] = [7, 8, 9, 10, 11, 12, 13, 14];
  const NQ = COLS / 2; // column pair-rows per pass
  const q = Array.from({ length: NQ }, (_, c) => 15 + c);
  const nI32 = 8 + NQ;
  const firstV = 7 + nI32;
  const acc = Array.from({ length: 2 * NQ }, (_, a) => firstV + a); // acc[r * NQ + c]
  const xa = firstV + 2 * NQ,
    xb = xa + 1,
    t = xb + 1;
  const col = Array.from({ length: NQ }, (_, c) => t + 1 + c);
  const nV = 2 * NQ + 3 + NQ;
  const get = (l: number) => [0x20, ...u(l)];
  const set = (l: number) => [0x21, ...u(l)];
  const tee = (l: number) => [0x22, ...u(l)];
  const c32 = (v: number) => [0x41, ...s(v)];
  const simd = (op: number, ...rest: number[]) => [0xfd, ...u(op), ...rest];
  const memarg = (align: number, offset: number) => [...u(align), ...u(offset)];
  const ADD = 0x6a,
    SUB = 0x6b,
    MUL = 0x6c,
    SHR_U = 0x76,
    GE_U = 0x4f,
    LT_U = 0x49,
    SELECT = 0x1b;
  const BLOCK = [0x02, 0x40],
    LOOP = [0x03, 0x40],
    END = 0x0b;
  const br = (depth: number) => [0x0c, ...u(depth)];
  const brIf = (depth: number) => [0x0d, ...u(depth)];
  const F64X2_SQRT = 0xef,
    F64X2_ADD = 0xf0,
    F64X2_SUB = 0xf1,
    F64X2_MUL = 0xf2;
  const zero = simd(0x0c, ...new Array<number>(16).fill(0));

  const kLoop: number[] = [
    ...LOOP,
    ...get(qa),
    ...simd(0x0a, ...memarg(3, 0)), // v128.load64_splat: x_ik in both lanes
    ...set(xa),
    ...get(qa),
    ...simd(0x0a, ...memarg(3, 8)), // x_(i+1)k
    ...set(xb),
  ];
  for (let c = 0; c < NQ; c++) kLoop.push(...get(q[c]), ...simd(0x00, ...memarg(4, 0)), ...set(col[c]));
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < NQ; c++) {
      const a = acc[r * NQ + c];
      // acc += t * t, t = x_i - x_j (per lane: the scalar kernel's s += t * t)
      kLoop.push(
        ...get(a),
        ...get(r === 0 ? xa : xb),
        ...get(col[c]),
        ...simd(F64X2_SUB),
        ...tee(t),
        ...get(t),
        ...simd(F64X2_MUL),
        ...simd(F64X2_ADD),
        ...set(a),
      );
    }
  }
  for (const p of [qa, ...q]) kLoop.push(...get(p), ...c32(16), ADD, ...set(p));
  kLoop.push(...get(qa), ...get(pend), LT_U, ...brIf(0), END);

  const jBody: number[] = [
    ...BLOCK,
    ...LOOP,
    ...get(j),
    ...get(Jend),
    GE_U,
    ...brIf(1),
    // q[0] = (j >> 1) * d16, q[c] = q[c-1] + d16; qa = start of row pair i; pend = qa + d16
    ...get(j),
    ...c32(1),
    SHR_U,
    ...get(d16),
    MUL,
    ...set(q[0]),
  ];
  for (let c = 1; c < NQ; c++) jBody.push(...get(q[c - 1]), ...get(d16), ADD, ...set(q[c]));
  jBody.push(...get(i), ...c32(1), SHR_U, ...get(d16), MUL, ...tee(qa), ...get(d16), ADD, ...set(pend));
  for (const a of acc) jBody.push(...zero, ...set(a));
  jBody.push(...kLoop);
  // ocol = orow + (j - c0) * 8; row i at ocol, row i+1 at ocol + stride
  jBody.push(...get(orow), ...get(j), ...get(c0), SUB, ...c32(8), MUL, ADD, ...set(ocol));
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < NQ; c++) {
      jBody.push(...get(ocol));
      if (r === 1) jBody.push(...get(stride), ADD);
      jBody.push(...get(acc[r * NQ + c]), ...simd(F64X2_SQRT), ...simd(0x0b, ...memarg(3, c * 16)));
    }
  }
  jBody.push(...get(j), ...c32(COLS), ADD, ...set(j), ...br(0), END, END);

  const iBody: number[] = [
    ...get(i0),
    ...set(i),
    ...BLOCK,
    ...LOOP,
    ...get(i),
    ...get(i1),
    GE_U,
    ...brIf(1),
    // orow = out + (i - i0) * stride
    ...get(out),
    ...get(i),
    ...get(i0),
    SUB,
    ...get(stride),
    MUL,
    ADD,
    ...set(orow),
    ...get(J),
    ...set(j),
    ...jBody,
    ...get(i),
    ...c32(2),
    ADD,
    ...set(i),
    ...br(0),
    END,
    END,
  ];

  const body: number[] = [
    ...u(2),
    ...u(nI32),
    I32,
    ...u(nV),
    V128,
    ...get(c0),
    ...set(J),
    ...BLOCK,
    ...LOOP,
    ...get(J),
    ...get(c1),
    GE_U,
    ...brIf(1),
    // Jend = min(J + TILE, c1)
    ...get(J),
    ...c32(TILE),
    ADD,
    ...tee(Jend),
    ...get(c1),
    ...get(Jend),
    ...get(c1),
    LT_U,
    SELECT,
    ...set(Jend),
    ...iBody,
    ...get(J),
    ...c32(TILE),
    ADD,
    ...set(J),
    ...br(0),
    END,
    END,
    END,
  ];

  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 7, ...new Array<number>(7).fill(I32), 0]),
    ...section(2, [1, ...str('e'), ...str('m'), 0x02, 0x03, ...u(pages), ...u(pages)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('rows'), 0x00, 0]),
    ...section(10, [1, ...u(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

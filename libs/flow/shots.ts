/** What the shot rule needs of a face: its shot (libs/media Frame.shot; null or absent: unknown). */
export interface ShotFace {
  shot?: number | null;
}

/**
 * Whether the clothing of two faces counts in full: true when they share a shot, or when either shot is
 * unknown (faces stored before shots were recorded: clothing counts as it always did); false for a pair
 * across a cut, where people may have changed clothes (pair-distances.ts then lets clothing bring the
 * pair together but never push it apart: the face decides).
 */
export function clothCounts(a: ShotFace, b: ShotFace): boolean {
  if (typeof a.shot !== 'number' || typeof b.shot !== 'number') return true;
  return a.shot === b.shot;
}

/**
 * The pair rule of shot-aware fusion as a predicate over face indices, for pair-distances.ts: null when
 * no face has a known shot (nothing to decide; the distances stay as they were).
 */
export function clothCountsRule(faces: readonly ShotFace[]): ((i: number, j: number) => boolean) | null {
  if (!faces.some((f) => typeof f.shot === 'number')) return null;
  // clothCounts over typed arrays: pairDistances asks it of every pair (50 million at 10,000 faces).
  const known = Uint8Array.from(faces, (f) => (typeof f.shot === 'number' ? 1 : 0));
  const shot = Float64Array.from(faces, (f) => (typeof f.shot === 'number' ? f.shot : 0));
  return (i, j) => known[i] === 0 || known[j] === 0 || shot[i] === shot[j];
}

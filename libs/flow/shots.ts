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
  return (i, j) => clothCounts(faces[i], faces[j]);
}

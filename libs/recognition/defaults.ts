/**
 * Recognition defaults, calibrated on labelled real faces by bench/recognition.ts (docs/QUALITY.md,
 * "Recognition across videos"): at `threshold` a person never enrolled is almost never named.
 */
export const RECOGNITION = {
  /** Open-set threshold on a person's score (cosine similarity of unit face descriptors). */
  threshold: 0.935,
  /** A person's score averages the query's similarity to their k most similar exemplars. */
  k: 1,
  /** Exemplars kept per person (chosen to cover how they look). */
  maxExemplars: 32,
} as const;

import { isReferenceFlow, treeShape, type TreeShape, type TreeShapingOptions } from '../config/index.js';

export { isReferenceFlow };

/**
 * What a linkage (dendrogram) of a video's faces depends on besides the faces: the tree-shaping options (libs/config
 * TREE_SHAPING, as their {@link TreeShape}) and the people's constraints on the video's faces. Stored as its own
 * columns of the linkages table (`shape` JSONB, `people`), so trees are found and dropped by field.
 */
export interface LinkageKey {
  shape: TreeShape;
  /** The fingerprint of the people's constraints the tree is built under (people.ts peopleInVideo); null: none. */
  people: string | null;
}

/** The linkage key of some options under the people's constraints of that fingerprint (none: null). */
export function linkageKey(opts: TreeShapingOptions, people: string | null = null): LinkageKey {
  return { shape: treeShape(opts), people };
}

/**
 * One text per key (canonical JSON: the shape's keys in TREE_SHAPING's order, then the people): names a tree in
 * memory, in a linkage job's id and in the API's 202 answer.
 */
export function linkageKeyText(key: LinkageKey): string {
  return JSON.stringify(key);
}

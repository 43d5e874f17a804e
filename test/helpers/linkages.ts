import { resolveClusterOptions, TREE_SHAPING_KEYS } from '../../libs/config/index.js';
import { linkageKey, linkageKeyText, type LinkageKey } from '../../libs/flow/index.js';
import { sql } from '../e2e/support/services.js';

/**
 * A video's stored linkage keys (the linkages table's `shape` and `people` columns), oldest first, each as
 * libs/flow linkageKeyText: PostgreSQL hands JSONB back with its own key order, put back in treeShape's here.
 */
export async function storedLinkageKeys(databaseUrl: string, videoId: string): Promise<string[]> {
  const rows = await sql<{ shape: Record<string, unknown>; people: string | null }>(
    databaseUrl,
    'SELECT shape, people FROM linkages WHERE video_id = $1 ORDER BY id',
    [videoId],
  );
  const order = ['flow', ...TREE_SHAPING_KEYS];
  return rows.map((r) => {
    const shape = Object.fromEntries(order.filter((k) => k in r.shape).map((k) => [k, r.shape[k]])) as unknown as LinkageKey['shape'];
    return linkageKeyText({ shape, people: r.people });
  });
}

/** The key text of the linkage of some clustering options as a request gives them, under no people's constraints unless named. */
export function linkageKeyOf(options: Record<string, unknown>, people: string | null = null): string {
  return linkageKeyText(linkageKey(resolveClusterOptions(options), people));
}

/** Whether a stored key (storedLinkageKeys) was built under people's constraints. */
export const isConstrained = (keyText: string): boolean => (JSON.parse(keyText) as LinkageKey).people !== null;

import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Characters rendered at first, and added each time the end of the list comes near. */
const WINDOW = 30;

/**
 * The characters, rendered a window at a time: the first {@link WINDOW}, then the next ones as the reader scrolls
 * near the end (an IntersectionObserver on a marker after the list), so a cut of hundreds of characters costs the
 * DOM a screenful; the items' `content-visibility: auto` (styles.css) skips the layout of those scrolled past.
 */
export function CharacterList<T>({
  items,
  cut,
  keyOf,
  render,
}: {
  items: T[];
  /** The cut the list shows (its `sim`), as `data-cut`: what tests and benches wait for after a step. */
  cut: string;
  keyOf: (item: T) => string;
  render: (item: T) => ComponentChildren;
}) {
  const [shown, setShown] = useState(WINDOW);
  const marker = useRef<HTMLParagraphElement>(null);
  const more = shown < items.length;

  useEffect(() => {
    const el = marker.current;
    if (!el || !more) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setShown((s) => s + WINDOW);
      },
      { rootMargin: '800px 0px' },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [shown, more]);

  return (
    <>
      <ul class="characters" aria-label="Characters" data-cut={cut}>
        {items.slice(0, shown).map((c) => (
          <Fragment key={keyOf(c)}>{render(c)}</Fragment>
        ))}
      </ul>
      {more && (
        <p ref={marker} class="muted list-more">
          Showing {shown} of {items.length} characters; more as you scroll.
        </p>
      )}
    </>
  );
}

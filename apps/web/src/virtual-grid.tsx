import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A grid that renders only the rows in view (plus a few): a character of a 10,000-face video costs the DOM a
 * screenful of tiles, and each tile's <img loading="lazy"> loads only once rendered.
 */
export function VirtualGrid<T>({
  items,
  tile,
  height,
  label,
  render,
}: {
  items: T[];
  /** Tile size in px (square, gap included). */
  tile: number;
  height: number;
  label: string;
  render: (item: T, index: number) => ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  const [top, setTop] = useState(0);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const cols = Math.max(1, Math.floor(width / tile));
  const rows = Math.ceil(items.length / cols);
  const first = Math.max(0, Math.floor(top / tile) - 2);
  const last = Math.min(rows, Math.ceil((top + height) / tile) + 2);
  const shown = items.slice(first * cols, last * cols);

  return (
    <div ref={box} class="vgrid" style={{ height: `${Math.min(height, rows * tile + 4)}px` }} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}>
      <ul aria-label={label} style={{ height: `${rows * tile}px`, position: 'relative' }}>
        {shown.map((item, i) => {
          const index = first * cols + i;
          return (
            <li
              key={index}
              style={{
                position: 'absolute',
                top: `${Math.floor(index / cols) * tile}px`,
                left: `${(index % cols) * tile}px`,
                width: `${tile}px`,
                height: `${tile}px`,
              }}
            >
              {render(item, index)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

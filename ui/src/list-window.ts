// The arithmetic of a windowed list (components/ConversationList.svelte): which rows to render at
// a scroll position, where to scroll to show a row, where a navigation key moves the focus.

/** Rows `[start, end)` to render. */
export interface RowWindow {
  start: number;
  end: number;
}

/** The rows in view at `scrollTop`, plus `overscan` rows on each side. */
export function visibleWindow(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan: number): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + inView + overscan);
  return { start, end: Math.max(end, start) };
}

/** The scroll position that shows row `index` whole, moving as little as possible. */
export function revealRow(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** Where a navigation key moves focus from row `current` (null: the key is not for the list). */
export function targetRow(key: string, current: number, count: number, pageRows: number): number | null {
  if (count === 0) return null;
  const page = Math.max(1, pageRows);
  const moves: Record<string, number> = {
    ArrowDown: current + 1,
    ArrowUp: current - 1,
    PageDown: current + page,
    PageUp: current - page,
    Home: 0,
    End: count - 1,
  };
  const to = moves[key];
  return to === undefined ? null : Math.min(count - 1, Math.max(0, to));
}

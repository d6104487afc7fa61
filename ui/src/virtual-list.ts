// A windowed list: of thousands of rows only those in (or near) view are in the DOM, so a cached
// list of 10,000 conversations paints as fast as one of ten and costs a few dozen elements.
//
// Rows have one fixed height; the list element is as tall as all rows together, so the scrollbar,
// wheel and touch scrolling behave as if every row were there. Keyboard users move between rows with
// the arrow keys, Home/End and Page Up/Down: the target row is rendered, scrolled into view and
// focused. The focused row stays rendered while it is scrolled away, so focus is never lost.

import { h, morph } from "./dom";

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

export interface VirtualListOptions<T> {
  /** Height of one row in CSS pixels, gap included. */
  rowHeight: number;
  /** Space between rows, taken from the bottom of each row's box. */
  gap: number;
  /** Rows rendered beyond each edge of the view. */
  overscan: number;
  /** Rows rendered before the list has a size (first paint, or no layout as in unit tests). */
  initialRows: number;
  key: (item: T) => string;
  /** Builds one row; the list positions it and sets `data-index` and `tabindex`. */
  renderRow: (item: T, index: number) => HTMLElement;
  /** Enter, Space or a click on a row. */
  onActivate: (item: T) => void;
  /** What to show when there are no rows. */
  empty: () => HTMLElement;
  listAttrs: Record<string, string>;
}

export class VirtualList<T> {
  /** The scrolling box; put it where the list goes (it needs a bounded height to scroll). */
  readonly element: HTMLDivElement;
  private readonly list: HTMLUListElement;
  private items: T[] = [];
  /** Rendered rows by index. */
  private rows = new Map<number, HTMLElement>();
  /** The row keyboard focus is on, by key, so it survives new items. */
  private focusedKey: string | null = null;

  constructor(private readonly options: VirtualListOptions<T>) {
    this.list = h("ul", options.listAttrs);
    this.list.style.position = "relative";
    this.element = h("div", { class: "list-scroller" }, this.list);
    this.element.addEventListener("scroll", () => this.render(false), { passive: true });
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.render(false)).observe(this.element);
    this.list.addEventListener("click", (e) => {
      const index = this.indexOf(e.target);
      if (index !== null) this.options.onActivate(this.items[index]!);
    });
    this.list.addEventListener("keydown", (e) => this.onKey(e as KeyboardEvent));
    this.list.addEventListener("focusin", (e) => {
      const index = this.indexOf(e.target);
      this.focusedKey = index === null ? null : this.options.key(this.items[index]!);
    });
    this.list.addEventListener("focusout", (e) => {
      const to = (e as FocusEvent).relatedTarget;
      if (!(to instanceof Node) || !this.list.contains(to)) this.focusedKey = null;
    });
  }

  /** Replaces the rows (keeping the scroll position and the focused row) and renders. */
  setItems(items: T[]): void {
    this.items = items;
    this.render(true);
  }

  /** Renders the visible rows again (their content changed, e.g. which one is selected). */
  refresh(): void {
    this.render(true);
  }

  /** How many rows the list holds (not how many are in the DOM). */
  get count(): number {
    return this.items.length;
  }

  /** Scrolls row `index` into view and renders it. */
  reveal(index: number): void {
    const viewport = this.element.clientHeight;
    if (viewport <= 0) return;
    const top = revealRow(index, this.element.scrollTop, viewport, this.options.rowHeight);
    if (top !== this.element.scrollTop) this.element.scrollTop = top;
    this.render(false);
  }

  /** Scrolls the row whose key is `key` into view, if it is in the list. */
  revealKey(key: string): void {
    const index = this.items.findIndex((item) => this.options.key(item) === key);
    if (index >= 0) this.reveal(index);
  }

  /** Reveals and focuses the row whose key is `key`, if it is in the list. */
  focusKey(key: string): void {
    const index = this.items.findIndex((item) => this.options.key(item) === key);
    if (index >= 0) this.focusIndex(index);
  }

  private focusIndex(index: number): void {
    this.focusedKey = this.options.key(this.items[index]!);
    this.reveal(index);
    this.render(false);
    this.rows.get(index)?.focus({ preventScroll: true });
  }

  private indexOf(target: EventTarget | null): number | null {
    const row = target instanceof Element ? target.closest<HTMLElement>("li[data-index]") : null;
    if (!row || !this.list.contains(row)) return null;
    const index = Number(row.dataset.index);
    return Number.isInteger(index) && index < this.items.length ? index : null;
  }

  private onKey(e: KeyboardEvent): void {
    const index = this.indexOf(e.target);
    if (index === null) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      this.options.onActivate(this.items[index]!);
      return;
    }
    const pageRows = Math.floor(this.element.clientHeight / this.options.rowHeight) - 1;
    const to = targetRow(e.key, index, this.items.length, pageRows);
    if (to === null) return;
    e.preventDefault();
    this.focusIndex(to);
  }

  /** One positioned row element for the item at `index`. */
  private build(index: number): HTMLElement {
    const { rowHeight, gap } = this.options;
    const item = this.items[index]!;
    const row = this.options.renderRow(item, index);
    row.dataset.index = String(index);
    row.dataset.key = this.options.key(item);
    row.tabIndex = 0;
    row.style.position = "absolute";
    row.style.left = "0";
    row.style.right = "0";
    row.style.top = `${index * rowHeight}px`;
    row.style.height = `${rowHeight - gap}px`;
    return row;
  }

  private render(rebuild: boolean): void {
    const { rowHeight, overscan, initialRows } = this.options;
    const count = this.items.length;
    this.list.style.height = `${count * rowHeight}px`;
    const viewport = this.element.clientHeight || initialRows * rowHeight;
    const { start, end } = visibleWindow(this.element.scrollTop, viewport, rowHeight, count, overscan);
    const wanted = new Set<number>();
    for (let i = start; i < end; i++) wanted.add(i);
    const focused = this.focusedKey === null ? -1 : this.items.findIndex((item) => this.options.key(item) === this.focusedKey);
    if (focused >= 0) wanted.add(focused);
    const hadFocus = this.list.contains(document.activeElement);

    for (const [index, row] of this.rows) {
      if (!wanted.has(index) || index >= count || row.dataset.key !== this.options.key(this.items[index]!)) {
        row.remove();
        this.rows.delete(index);
      }
    }
    // New rows go in index order between the ones kept, so the DOM (tab and reading order) matches
    // the screen. A kept row is rebuilt only when asked to, and then updated in place: its elements
    // stay put (and focused) across background refreshes.
    const order = [...wanted].sort((a, b) => a - b);
    let next: HTMLElement | null = null;
    for (let k = order.length - 1; k >= 0; k--) {
      const index = order[k]!;
      const kept = this.rows.get(index);
      if (kept && !rebuild) {
        next = kept;
        continue;
      }
      const row = this.build(index);
      if (kept) {
        morph(kept, row);
        next = kept;
        continue;
      }
      this.rows.set(index, row);
      this.list.insertBefore(row, next);
      next = row;
    }
    if (count === 0) {
      this.list.style.height = "";
      if (!this.list.querySelector(":scope > .empty")) this.list.replaceChildren(this.options.empty());
    } else {
      this.list.querySelector(":scope > .empty")?.remove();
    }
    if (hadFocus && focused >= 0 && !this.list.contains(document.activeElement)) {
      this.rows.get(focused)?.focus({ preventScroll: true });
    }
  }
}

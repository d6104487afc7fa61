import { describe, expect, it, vi } from "vitest";
import { h } from "./dom";
import { revealRow, targetRow, VirtualList, visibleWindow } from "./virtual-list";

describe("visibleWindow", () => {
  it("covers the rows in view plus the overscan on each side", () => {
    // Rows of 50 px, a 500 px view scrolled to row 100: rows 100..110 are (partly) in view.
    expect(visibleWindow(5000, 500, 50, 10_000, 3)).toEqual({ start: 97, end: 114 });
  });
  it("starts at the first row and ends at the last", () => {
    expect(visibleWindow(0, 500, 50, 10_000, 3)).toEqual({ start: 0, end: 14 });
    expect(visibleWindow(50 * 9_995, 500, 50, 10_000, 3)).toEqual({ start: 9_992, end: 10_000 });
  });
  it("stays inside the list when scrolled past its end or given no rows", () => {
    expect(visibleWindow(1e9, 500, 50, 10, 3)).toEqual({ start: 6, end: 10 });
    expect(visibleWindow(0, 500, 50, 0, 3)).toEqual({ start: 0, end: 0 });
  });
});

describe("revealRow", () => {
  it("scrolls up to a row above the view and down to one below it, not at all for one in view", () => {
    expect(revealRow(2, 500, 300, 50)).toBe(100);
    expect(revealRow(20, 500, 300, 50)).toBe(750);
    expect(revealRow(12, 500, 300, 50)).toBe(500);
  });
});

describe("targetRow", () => {
  it("moves by one, by a page, and to either end, within the list", () => {
    expect(targetRow("ArrowDown", 4, 100, 10)).toBe(5);
    expect(targetRow("ArrowUp", 0, 100, 10)).toBe(0);
    expect(targetRow("PageDown", 95, 100, 10)).toBe(99);
    expect(targetRow("PageUp", 15, 100, 10)).toBe(5);
    expect(targetRow("Home", 50, 100, 10)).toBe(0);
    expect(targetRow("End", 50, 100, 10)).toBe(99);
  });
  it("leaves other keys to the row", () => {
    expect(targetRow("a", 4, 100, 10)).toBeNull();
    expect(targetRow("ArrowDown", 0, 0, 10)).toBeNull();
  });
});

interface Item {
  id: string;
  name: string;
}

function makeList(count: number, onActivate: (item: Item) => void = () => undefined) {
  const items: Item[] = Array.from({ length: count }, (_, i) => ({ id: `id-${i}`, name: `Item ${i}` }));
  const list = new VirtualList<Item>({
    rowHeight: 50,
    gap: 5,
    overscan: 2,
    initialRows: 10,
    key: (item) => item.id,
    renderRow: (item) => h("li", { class: "row" }, h("span", { class: "name" }, item.name)),
    onActivate,
    empty: () => h("li", { class: "empty" }, "Nothing here"),
    listAttrs: { class: "rows", "data-testid": "rows" },
  });
  document.body.replaceChildren(list.element);
  list.setItems(items);
  return { list, items };
}

const rendered = () => [...document.querySelectorAll<HTMLElement>(".rows > li.row")];
const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));

describe("VirtualList", () => {
  it("puts only the first screenful of 10,000 rows in the DOM, in a list as tall as all of them", () => {
    const { list } = makeList(10_000);
    const rows = rendered();
    expect(rows.length).toBeLessThanOrEqual(15);
    expect(rows.map((r) => r.dataset.index)).toEqual(rows.map((_, i) => String(i)));
    expect(rows[3]!.style.top).toBe("150px");
    expect(rows[3]!.style.height).toBe("45px");
    expect(document.querySelector<HTMLElement>(".rows")!.style.height).toBe("500000px");
    expect(list.count).toBe(10_000);
  });

  it("activates the row that was clicked (on any part of it) or chosen with Enter", () => {
    const activate = vi.fn();
    makeList(100, activate);
    (rendered()[4]!.querySelector(".name") as HTMLElement).click();
    key(rendered()[7]!, "Enter");
    expect(activate.mock.calls.map(([item]) => (item as Item).id)).toEqual(["id-4", "id-7"]);
  });

  it("moves focus with the arrow keys and to the last row with End, rendering the row it lands on", () => {
    makeList(10_000);
    const first = rendered()[0]!;
    first.focus();
    key(first, "ArrowDown");
    expect((document.activeElement as HTMLElement).dataset.index).toBe("1");
    key(document.activeElement!, "End");
    const last = document.activeElement as HTMLElement;
    expect(last.dataset.index).toBe("9999");
    expect(last.textContent).toBe("Item 9999");
    expect(rendered().length).toBeLessThanOrEqual(16);
  });

  it("keeps the focused row focused when the rows are replaced", () => {
    const { list, items } = makeList(100);
    rendered()[2]!.focus();
    list.setItems([{ id: "new", name: "New" }, ...items]);
    const focused = document.activeElement as HTMLElement;
    expect(focused.dataset.key).toBe("id-2");
    expect(focused.dataset.index).toBe("3");
  });

  it("keeps the row elements across a refresh and changes only what changed", () => {
    let selected = "id-1";
    const list = new VirtualList<Item>({
      rowHeight: 50,
      gap: 5,
      overscan: 2,
      initialRows: 10,
      key: (item) => item.id,
      renderRow: (item) => h("li", { class: item.id === selected ? "row selected" : "row" }, h("span", { class: "name" }, item.name)),
      onActivate: () => undefined,
      empty: () => h("li", { class: "empty" }, "Nothing here"),
      listAttrs: { class: "rows" },
    });
    document.body.replaceChildren(list.element);
    list.setItems(Array.from({ length: 100 }, (_, i) => ({ id: `id-${i}`, name: `Item ${i}` })));
    const before = rendered();
    const names = before.map((r) => r.querySelector(".name"));
    selected = "id-2";
    list.refresh();
    const after = rendered();
    expect(after.length).toBe(before.length);
    after.forEach((row, i) => {
      expect(row).toBe(before[i]);
      expect(row.querySelector(".name")).toBe(names[i]);
    });
    expect(after.filter((r) => r.classList.contains("selected")).map((r) => r.dataset.key)).toEqual(["id-2"]);
  });

  it("says so when there are no rows", () => {
    const { list } = makeList(3);
    list.setItems([]);
    expect(rendered()).toEqual([]);
    expect(document.querySelector(".rows > .empty")?.textContent).toBe("Nothing here");
    list.setItems([{ id: "a", name: "A" }]);
    expect(document.querySelector(".rows > .empty")).toBeNull();
    expect(rendered().map((r) => r.textContent)).toEqual(["A"]);
  });
});

import { describe, expect, it } from "vitest";
import { revealRow, targetRow, visibleWindow } from "./list-window";

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

import { describe, expect, it } from "vitest";
import { h, morph } from "./dom";

describe("morph", () => {
  it("updates attributes and changed children in place, keeping the nodes that did not change", () => {
    const subject = h("span", { class: "subject" }, "Refund");
    const meta = h("span", { class: "meta" }, h("time", {}, "5 minutes ago"), h("span", { class: "dot" }));
    const row = h("li", { class: "conversation unread", "data-id": "a" }, subject, meta);
    const time = meta.firstElementChild;

    morph(row, h("li", { class: "conversation selected", "aria-current": "true" }, h("span", { class: "subject" }, "Refund"), h("span", { class: "meta" }, h("time", {}, "6 minutes ago"))));

    expect(row.className).toBe("conversation selected");
    expect(row.getAttribute("aria-current")).toBe("true");
    expect(row.hasAttribute("data-id")).toBe(false);
    expect(row.querySelector(".subject")).toBe(subject);
    expect(row.querySelector(".meta")).toBe(meta);
    expect(meta.textContent).toBe("6 minutes ago");
    expect(meta.querySelector(".dot")).toBeNull();
    expect(meta.firstElementChild).not.toBe(time);
  });

  it("copies inline styles through the CSSOM", () => {
    const target = h("li", {});
    const source = h("li", {});
    source.style.top = "132px";
    morph(target, source);
    expect(target.style.top).toBe("132px");
  });
});

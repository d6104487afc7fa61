import { describe, expect, it } from "vitest";
import { confirmDialog } from "./views/shared";

const dialog = () => document.querySelector<HTMLElement>("[role=alertdialog]");

describe("the confirmation dialog", () => {
  it("focuses the confirm button, answers yes on it, and goes away", async () => {
    const answer = confirmDialog("Remove Chloe?", "Chloe loses access at once.", "Remove User");
    expect(dialog()?.querySelector("h2")?.textContent).toBe("Remove Chloe?");
    const confirm = dialog()!.querySelector<HTMLButtonElement>("button.danger")!;
    expect(document.activeElement).toBe(confirm);
    confirm.click();
    expect(await answer).toBe(true);
    expect(dialog()).toBeNull();
  });

  it("answers no on Esc and on Cancel", async () => {
    const first = confirmDialog("Leave?", "You will no longer see it.", "Leave");
    document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(await first).toBe(false);
    expect(dialog()).toBeNull();
    const second = confirmDialog("Leave?", "You will no longer see it.", "Leave");
    [...dialog()!.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!.click();
    expect(await second).toBe(false);
    expect(document.querySelectorAll(".dialog-host").length).toBe(0);
  });
});

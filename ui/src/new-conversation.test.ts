import { cleanup, render, screen as view } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import NewConversation from "./components/NewConversation.svelte";

afterEach(() => cleanup());

describe("New conversation", () => {
  it("shows a refusal under the subject, keeps what was typed, and clears both once it is created", async () => {
    const oncreate = vi
      .fn<(s: string) => Promise<void>>()
      .mockRejectedValueOnce({ code: "invalid", message: "The subject must not be empty", field: "subject" })
      .mockResolvedValueOnce(undefined);
    render(NewConversation, { props: { oncreate } });
    const input = view.getByRole("textbox", { name: "New conversation subject" }) as HTMLInputElement;
    const user = userEvent.setup();
    await user.type(input, "   {Enter}");
    const error = await view.findByRole("alert");
    expect(error.textContent).toBe("The subject must not be empty");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe(error.id);
    expect(input.value).toBe("   ");
    await user.clear(input);
    await user.type(input, "Order 1234{Enter}");
    expect(oncreate).toHaveBeenLastCalledWith("Order 1234");
    await vi.waitFor(() => expect(input.value).toBe(""));
    expect(view.queryByRole("alert")).toBeNull();
  });
});

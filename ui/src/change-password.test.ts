import { cleanup, render, screen as view } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend } from "./backend";
import ChangePassword from "./components/ChangePassword.svelte";

afterEach(() => cleanup());

function setup(answer: () => Promise<void> = async () => undefined) {
  const changePassword = vi.fn(answer);
  const onclose = vi.fn();
  render(ChangePassword, { props: { backend: { changePassword } as unknown as Backend, onclose } });
  return { changePassword, onclose, user: userEvent.setup() };
}

async function type(user: ReturnType<typeof userEvent.setup>, current: string, next: string, again: string) {
  await user.type(view.getByLabelText("Current password"), current);
  await user.type(view.getByLabelText("New password"), next);
  await user.type(view.getByLabelText("The same again"), again);
  await user.click(view.getByRole("button", { name: "Change password" }));
}

describe("Change password", () => {
  it("sends nothing while the two new passwords differ", async () => {
    const { changePassword, onclose, user } = setup();
    await type(user, "old-password", "new-password-1", "new-password-2");
    expect((await view.findByRole("alert")).textContent).toBe("The two new passwords are not the same");
    expect(view.getByLabelText("The same again").getAttribute("aria-invalid")).toBe("true");
    expect(changePassword).not.toHaveBeenCalled();
    expect(onclose).not.toHaveBeenCalled();
  });

  it("says the server's refusal under the field it names and stays open", async () => {
    const { changePassword, onclose, user } = setup(async () => {
      throw { code: "invalid_input", message: "The current password is not right", field: "current_password" };
    });
    await type(user, "wrong", "new-password-1", "new-password-1");
    expect((await view.findByRole("alert")).textContent).toBe("The current password is not right");
    expect(view.getByLabelText("Current password").getAttribute("aria-invalid")).toBe("true");
    expect(changePassword).toHaveBeenCalledWith("wrong", "new-password-1");
    expect(onclose).not.toHaveBeenCalled();
  });

  it("closes once the server changed it", async () => {
    const { changePassword, onclose, user } = setup();
    await type(user, "old-password", "new-password-1", "new-password-1");
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(changePassword).toHaveBeenCalledWith("old-password", "new-password-1");
  });
});

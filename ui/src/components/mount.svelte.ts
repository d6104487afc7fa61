// Mounting a Svelte component from the (not yet Svelte) app shell, with props the shell can
// update: the component keeps its own state (typed text, focus) while the shell hands it new data.

import { flushSync, mount, unmount, type Component } from "svelte";

export interface Mounted<P extends Record<string, unknown>, E extends Record<string, unknown> = Record<string, never>> {
  /** The live props: assigning a field updates the component. */
  props: P;
  /** What the component exports (its functions). */
  instance: E;
  destroy(): void;
}

export function mountWithProps<P extends Record<string, unknown>, E extends Record<string, unknown> = Record<string, never>>(
  component: Component<P, E>,
  target: HTMLElement,
  initial: P,
): Mounted<P, E> {
  const props = $state(initial);
  const instance = mount(component, { target, props });
  return { props, instance, destroy: () => void unmount(instance) };
}

/** Mounts a dialog over the window; the `close` it is handed takes it away again. */
export function openDialog<P extends Record<string, unknown>>(component: Component<P>, props: (close: () => void) => P): () => void {
  const host = document.createElement("div");
  host.className = "dialog-host";
  document.body.append(host);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    void unmount(instance);
    host.remove();
  };
  const instance = mount(component, { target: host, props: props(close) });
  // Open, with its focus set, when this returns.
  flushSync();
  return close;
}

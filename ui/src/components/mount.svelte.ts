// Mounting a Svelte component from the (not yet Svelte) app shell, with props the shell can
// update: the component keeps its own state (typed text, focus) while the shell hands it new data.

import { mount, unmount, type Component } from "svelte";

export interface Mounted<P extends Record<string, unknown>> {
  /** The live props: assigning a field updates the component. */
  props: P;
  destroy(): void;
}

export function mountWithProps<P extends Record<string, unknown>>(component: Component<P>, target: HTMLElement, initial: P): Mounted<P> {
  const props = $state(initial);
  const instance = mount(component, { target, props });
  return { props, destroy: () => void unmount(instance) };
}

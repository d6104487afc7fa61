// A tiny element builder. All user text goes in through textContent, never as HTML.

type Attrs = Record<string, string | boolean | undefined | ((event: Event) => void)>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, "").toLowerCase(), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, value);
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/**
 * Makes `target` look like `source` (a freshly built copy), keeping every node whose content did
 * not change, so references to them (focus, a test's element handles) stay valid.
 */
export function morph(target: Element, source: Element): void {
  for (const name of target.getAttributeNames()) {
    if (name !== "style" && !source.hasAttribute(name)) target.removeAttribute(name);
  }
  for (const name of source.getAttributeNames()) {
    const value = source.getAttribute(name);
    if (name === "style" || value === null || target.getAttribute(name) === value) continue;
    target.setAttribute(name, value);
  }
  // Through the CSSOM: the desktop CSP refuses style attributes set as text.
  if (target instanceof HTMLElement && source instanceof HTMLElement && target.style.cssText !== source.style.cssText) {
    target.style.cssText = source.style.cssText;
  }
  const before = [...target.childNodes];
  const after = [...source.childNodes];
  const sameShape =
    before.length === after.length &&
    before.every((node, i) => node.nodeType === after[i]!.nodeType && node.nodeName === after[i]!.nodeName);
  if (!sameShape) {
    target.replaceChildren(...after);
    return;
  }
  before.forEach((node, i) => {
    const next = after[i]!;
    if (node.isEqualNode(next)) return;
    if (node instanceof Element && next instanceof Element) morph(node, next);
    else node.textContent = next.textContent;
  });
}

/** Replaces everything inside `root` with `view`. */
export function mount(root: HTMLElement, view: Node): void {
  root.replaceChildren(view);
}

/**
 * Resolves once the browser has painted what is in the DOM now (the task after the next frame), or
 * after `fallbackMs` when no frame comes (a hidden window paints nothing), so callers never stall.
 */
export function afterNextPaint(fallbackMs = 250): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, fallbackMs);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}

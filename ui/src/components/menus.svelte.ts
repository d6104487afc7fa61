// Which ⋯ menu is open: at most one at a time, across every list on screen.

export const menus = $state<{ open: string | null }>({ open: null });

// The one toast on screen: what it says and whether it shows (components/Toast.svelte renders it).

export const toastState = $state<{ message: string; kind: "ok" | "error"; shown: boolean }>({ message: "", kind: "ok", shown: false });

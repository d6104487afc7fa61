/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// One UI for the desktop app (Tauri IPC backend) and for contacts in a browser (HTTP backend).
export default defineConfig({
  clearScreen: false,
  // Relative asset paths: the same build runs from the desktop app's root and from /app/ on the server.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The desktop CSP allows no inline code: keep every asset a separate file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "happy-dom",
  },
});

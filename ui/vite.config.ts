/// <reference types="vitest/config" />
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// One UI for the desktop app (Tauri IPC backend) and for contacts in a browser (HTTP backend).
export default defineConfig({
  clearScreen: false,
  plugins: [svelte()],
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
  // Components resolve to their browser build in tests too (Svelte 5 ships a server build).
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "happy-dom",
  },
});

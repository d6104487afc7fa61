// Svelte 5 components in TypeScript (vitePreprocess strips the types).
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

export default {
  preprocess: vitePreprocess(),
};

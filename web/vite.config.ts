// Vite build of the browser portal: web/ is the root, the bundle goes to web/dist, nothing inline (CSP).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // The preload polyfill is an inline script, which the CSP (script-src 'self') refuses.
    modulePreload: { polyfill: false },
  },
});

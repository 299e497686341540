/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// The api-server the dev server proxies to; CUPID_API_PROXY_TARGET overrides it
// when 8080 is taken (e.g. a second stack on one machine).
const apiServer = process.env.CUPID_API_PROXY_TARGET ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      "/api": apiServer,
      "/health": apiServer,
    },
  },
  preview: {
    proxy: {
      "/api": apiServer,
      "/health": apiServer,
    },
  },
  build: {
    outDir: "dist",
    // The size script reads the manifest to find what the first page loads.
    manifest: true,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // The viewer's time zone is not UTC in the tests, so a missed conversion shows up.
    env: { TZ: "America/New_York" },
    restoreMocks: true,
    testTimeout: 15000,
  },
});

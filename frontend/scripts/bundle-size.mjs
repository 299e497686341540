// Prints the gzipped size of the JavaScript the first page (/, the overview)
// loads, from the build manifest: the entry chunk and the overview route chunk
// with everything they import statically. Lazy chunks (charts, other pages)
// are listed apart. Exits non-zero above the budget.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 250 * 1024;
const FIRST_PAGE_ROUTE = "src/features/overview/components/overview-page.tsx";
const dist = new URL("../dist/", import.meta.url).pathname;
const manifestPath = join(dist, ".vite", "manifest.json");

if (!existsSync(manifestPath)) {
  console.error(`No build manifest at ${manifestPath}: run \`npm run build\` first.`);
  process.exit(2);
}

const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
if (!entryKey) {
  console.error("The build manifest names no entry chunk.");
  process.exit(2);
}
if (!manifest[FIRST_PAGE_ROUTE]) {
  console.error(`The build manifest has no chunk for ${FIRST_PAGE_ROUTE}.`);
  process.exit(2);
}

/** A chunk and everything it imports statically, as manifest keys. */
function staticClosure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of manifest[key].imports ?? []) staticClosure(imported, seen);
  return seen;
}

const sizes = new Map();
function gzipped(file) {
  if (!sizes.has(file)) {
    const bytes = readFileSync(join(dist, file));
    sizes.set(file, { raw: bytes.length, gzip: gzipSync(bytes).length });
  }
  return sizes.get(file);
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const entryKeys = staticClosure(entryKey);
const firstPageKeys = staticClosure(FIRST_PAGE_ROUTE, new Set(entryKeys));
const firstPageFiles = [...firstPageKeys].map((key) => manifest[key].file).filter((file) => file.endsWith(".js"));
const allFiles = [...new Set(Object.values(manifest).map((chunk) => chunk.file))].filter((file) =>
  file.endsWith(".js"),
);
const lazyFiles = allFiles.filter((file) => !firstPageFiles.includes(file));
const cssFiles = [...new Set([...firstPageKeys].flatMap((key) => manifest[key].css ?? []))];

const total = (files) => files.reduce((sum, file) => sum + gzipped(file).gzip, 0);

console.log("First page (/) JavaScript, gzip (zlib default level):");
for (const file of firstPageFiles)
  console.log(`  ${file.padEnd(48)} ${kib(gzipped(file).gzip).padStart(10)}  (raw ${kib(gzipped(file).raw)})`);
const firstPageTotal = total(firstPageFiles);
console.log(`  ${"total".padEnd(48)} ${kib(firstPageTotal).padStart(10)}`);
console.log(`First page CSS, gzip: ${kib(total(cssFiles))}`);
console.log(`Loaded later (charts, other pages): ${lazyFiles.length} chunks, ${kib(total(lazyFiles))} gzip`);
const largestLazy = [...lazyFiles].sort((a, b) => gzipped(b).gzip - gzipped(a).gzip)[0];
if (largestLazy) console.log(`  largest: ${largestLazy} ${kib(gzipped(largestLazy).gzip)}`);
console.log(`All JavaScript, gzip: ${kib(total(allFiles))}`);

// Recharts marks its root element with this class; finding it means the charts got onto the critical path.
const chartsOnFirstPage = firstPageFiles.filter((file) =>
  readFileSync(join(dist, file), "utf8").includes("recharts-wrapper"),
);
if (chartsOnFirstPage.length > 0) {
  console.error(`Recharts is loaded by the first page (${chartsOnFirstPage.join(", ")}); it should be lazy.`);
  process.exit(1);
}
console.log("Recharts is not on the first page's critical path.");

if (firstPageTotal > BUDGET_BYTES) {
  console.error(
    `Over budget: the first page loads ${kib(firstPageTotal)} of JavaScript (budget ${kib(BUDGET_BYTES)}).`,
  );
  process.exit(1);
}
console.log(`Within the budget of ${kib(BUDGET_BYTES)}.`);

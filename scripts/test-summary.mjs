// One plain closing line from vitest's and Playwright's JSON reports: `N passed, N failed, N skipped`.
import { existsSync, readFileSync } from "node:fs";

const [vitestFile, playwrightFile, demoFile] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
const missing = [];
if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, "utf8"));
  passed += v.numPassedTests; failed += v.numFailedTests; skipped += v.numPendingTests + v.numTodoTests;
  if (!v.success && v.numFailedTests === 0) failed += 1; // a file that failed to load
} else missing.push("vitest");
if (existsSync(playwrightFile)) {
  const p = JSON.parse(readFileSync(playwrightFile, "utf8")).stats;
  passed += p.expected; failed += p.unexpected + p.flaky; skipped += p.skipped;
} else missing.push("playwright");
// The demo check (`npm run demo -- --check`) counts as one test.
if (demoFile) {
  if (!existsSync(demoFile)) missing.push("demo check");
  else if (JSON.parse(readFileSync(demoFile, "utf8")).ok) passed += 1;
  else failed += 1;
}
for (const m of missing) { console.error(`no ${m} report: that stage did not run`); failed += 1; }
if (passed === 0) { console.error("no tests ran"); failed += 1; }
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);

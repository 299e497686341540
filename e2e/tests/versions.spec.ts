// "Did the new version win?" (issue 16) in a real Chromium, through the real
// Caddy, against the real api-server and sync daemon syncing from the Langfuse
// test double. The double ships a later release with a longer prompt that
// wins more games; the page must show that effect with its intervals, as the
// API answers it (the API's figures are checked against the double's ground
// truth by the api-server's own tests).
import {
  expect,
  test,
  type APIRequestContext,
  type Page,
} from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { repo } from "../stack/stack";

const screenshots = path.join(repo, "artifacts", "e2e", "screenshots");
mkdirSync(screenshots, { recursive: true });

interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
  differs: boolean;
}

interface VersionRow {
  version: string;
  sessions: number;
  tokensPerCall: Estimate;
  costPerSession: Estimate;
  scores: { name: string; shares: { category: string; share: Estimate }[] }[];
}

interface VersionList {
  agent: string;
  items: VersionRow[];
}

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRange(): string {
  const day = (offset: number) =>
    new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return `range=custom&from=${day(-40)}&to=${day(1)}`;
}

async function openAndAsk(
  page: Page,
  request: APIRequestContext,
  url: string,
): Promise<VersionList> {
  const call = page.waitForResponse(
    (response) =>
      new URL(response.url()).pathname === "/api/versions" &&
      response.request().method() === "GET",
  );
  await page.goto(url);
  const pageCall = await call;
  expect(pageCall.status(), "/api/versions answered the page").toBe(200);
  const direct = await request.get(
    `/api/versions${new URL(pageCall.url()).search}`,
  );
  expect(direct.status()).toBe(200);
  return (await direct.json()) as VersionList;
}

function winShare(row: VersionRow): Estimate {
  const share = row.scores
    .find((score) => score.name === "win")
    ?.shares.find((s) => s.category === "true")?.share;
  expect(share, `${row.version} has a win rate`).toBeDefined();
  return share!;
}

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;
const formatPercent = (ratio: number) =>
  `${(ratio * 100).toFixed(Math.abs(ratio * 100) < 10 && ratio !== 0 ? 2 : 1)}%`;

test("the versions page shows the later release winning more games at more tokens per call, with its intervals", async ({
  page,
  request,
}) => {
  const versions = await openAndAsk(
    page,
    request,
    `/versions?agent=matchmaker&${wholeRange()}`,
  );
  const rows = versions.items;
  expect(rows.length, "the double ships three releases").toBe(3);

  // The double's known effect: the newest release wins more games than the
  // oldest, and its longer prompt costs more tokens per call.
  const [oldest, newest] = [rows[0], rows[rows.length - 1]];
  expect(winShare(newest).value!).toBeGreaterThan(winShare(oldest).value!);
  expect(newest.tokensPerCall.value!).toBeGreaterThan(
    oldest.tokensPerCall.value!,
  );

  // The sentence states the newest release against the one before it.
  const previous = rows[rows.length - 2];
  const now = winShare(newest);
  const before = winShare(previous);
  const verdict = page.getByTestId("version-verdict");
  await expect(verdict).toContainText(
    `release ${newest.version} of matchmaker wins ${percent(now.value!)} ± ${percent((now.high! - now.low!) / 2)} of games ` +
      `vs ${percent(before.value!)} ± ${percent((before.high! - before.low!) / 2)} for ${previous.version}`,
  );

  // The table lists the releases oldest first, each win rate with its interval as an error bar.
  const table = page.getByRole("table", {
    name: "Versions of matchmaker by release, oldest first",
  });
  await expect(table.getByRole("rowheader")).toHaveText(
    rows.map((row) => row.version),
  );
  for (const row of rows) {
    const share = winShare(row);
    await expect(
      table.getByRole("img", {
        name: `win = true of ${row.version}: ${formatPercent(share.value!)}, 95 % interval ${formatPercent(share.low!)} to ${formatPercent(share.high!)}`,
      }),
    ).toBeVisible();
  }
  await page.screenshot({
    path: path.join(screenshots, "versions.png"),
    fullPage: true,
  });

  // The prompt dimension: one row per prompt version, in the URL.
  await page.getByRole("button", { name: "Prompt" }).click();
  await expect(page).toHaveURL(/by=prompt/);
  await expect(
    page
      .getByRole("table", {
        name: "Versions of matchmaker by prompt, oldest first",
      })
      .getByRole("rowheader"),
  ).toHaveText([
    "matchmaker-opening v1",
    "matchmaker-opening v2",
    "matchmaker-opening v3",
  ]);
});

test("the agent page links to its versions", async ({ page }) => {
  await page.goto(`/agents/matchmaker?${wholeRange()}`);
  await page.getByRole("link", { name: "Did its new version win?" }).click();
  await expect(page).toHaveURL(/\/versions\?.*agent=matchmaker/);
  await expect(page.getByTestId("version-verdict")).toContainText(
    "of matchmaker",
  );
});

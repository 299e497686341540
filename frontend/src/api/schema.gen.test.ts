// @vitest-environment node
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_PATH, SNAPSHOT_PATH, generateApiTypes } from "../../scripts/generate-api-types.mjs";
import { conformanceProblems, schemaNamed, type OpenApiDocument } from "../test/openapi-conformance";

const FIXTURE_SCHEMAS: Record<string, string> = {
  "agent-matchmaker.json": "AgentDetail",
  "agents.json": "AgentList",
  "error-agent-not-found.json": "ErrorBody",
  "error-bad-request.json": "ErrorBody",
  "error-daemon-unavailable.json": "ErrorBody",
  "error-no-data.json": "ErrorBody",
  "error-session-not-found.json": "ErrorBody",
  "metrics-daily-7d.json": "DailySeries",
  "models.json": "ModelList",
  "models-daily.json": "ModelDailySeries",
  "overview-7d.json": "Overview",
  "session-detail.json": "SessionDetail",
  "sessions-page-1.json": "SessionPage",
  "sessions-page-2.json": "SessionPage",
  "sync-status-error.json": "SyncStatus",
  "sync-status-rate-limited.json": "SyncStatus",
  "sync-status-running.json": "SyncStatus",
  "sync-status-success.json": "SyncStatus",
  "trace-detail.json": "TraceDetail",
  "error-trace-not-found.json": "ErrorBody",
  "recorded/agent-detail.json": "AgentDetail",
  "recorded/agents.json": "AgentList",
  "recorded/metrics-daily.json": "DailySeries",
  "recorded/models.json": "ModelList",
  "recorded/overview.json": "Overview",
  "recorded/session-detail.json": "SessionDetail",
  "recorded/sessions.json": "SessionPage",
  "recorded/sync-status.json": "SyncStatus",
  "recorded/agent-scores.json": "ScoreSummaryList",
  "recorded/scores.json": "ScoreSummaryList",
  "recorded/outcomes.json": "OutcomeList",
  "recorded/errors.json": "ErrorGroupList",
  "recorded/distributions-sessions.json": "SessionDistributions",
  "recorded/compare-agents.json": "AgentComparison",
  "scores-matchmaker.json": "ScoreSummaryList",
  "outcomes.json": "OutcomeList",
  "errors.json": "ErrorGroupList",
  "errors-with-warnings.json": "ErrorGroupList",
  "distributions-sessions.json": "SessionDistributions",
  "compare-matchmaker-referee.json": "AgentComparison",
  "sync-status-backfill.json": "SyncStatus",
  "sync-status-stale.json": "SyncStatus",
  "session-detail-scored.json": "SessionDetail",
  "environments.json": "EnvironmentList",
  "alerts-none.json": "AlertList",
  "alerts-firing.json": "AlertList",
  "versions-matchmaker.json": "VersionList",
};

const fixtures = import.meta.glob<unknown>("../test/fixtures/**/*.json", { eager: true, import: "default" });

describe("the API types and the api-server's OpenAPI snapshot", () => {
  it("the snapshot exists", () => {
    expect(existsSync(SNAPSHOT_PATH), `${SNAPSHOT_PATH} is missing: the api-server commits it`).toBe(true);
  });

  it("schema.gen.ts is what `npm run gen:api` makes of the snapshot", async () => {
    const expected = await generateApiTypes();
    const committed = readFileSync(GENERATED_PATH, "utf8");
    expect(committed === expected, "src/api/schema.gen.ts is out of date: run `npm run gen:api`").toBe(true);
  });

  it("every recorded fixture is listed with the schema of its endpoint", () => {
    const names = Object.keys(fixtures).map((path) => path.replace("../test/fixtures/", ""));
    expect(names.sort()).toEqual(Object.keys(FIXTURE_SCHEMAS).sort());
  });

  it.each(Object.entries(FIXTURE_SCHEMAS))("the fixture %s matches the API's %s schema", (file, schema) => {
    const document = JSON.parse(readFileSync(SNAPSHOT_PATH, "utf8")) as OpenApiDocument;
    const fixture = fixtures[`../test/fixtures/${file}`];
    expect(conformanceProblems(document, schemaNamed(schema), fixture)).toEqual([]);
  });
});

describe("the conformance check itself", () => {
  const document: OpenApiDocument = {
    components: {
      schemas: {
        Point: {
          type: "object",
          required: ["date", "count"],
          properties: { date: { type: "string" }, count: { type: "integer" }, p99: { type: ["integer", "null"] } },
        },
        Series: {
          type: "object",
          required: ["items"],
          properties: { items: { type: "array", items: { $ref: "#/components/schemas/Point" } } },
        },
      },
    },
  };

  it("accepts a value of the right shape", () => {
    expect(
      conformanceProblems(document, schemaNamed("Series"), { items: [{ date: "2026-11-01", count: 3, p99: null }] }),
    ).toEqual([]);
  });

  it("names missing, unexpected and mistyped fields", () => {
    expect(conformanceProblems(document, schemaNamed("Series"), { items: [{ date: 5, extra: true }] })).toEqual([
      "$.items[0].count: required but missing",
      "$.items[0].date: expected string, got integer",
      "$.items[0].extra: not in the API's schema",
    ]);
  });
});

// The api-server's response types, taken from the code generated from its
// OpenAPI document (schema.gen.ts, `npm run gen:api`), so they cannot drift.
import type { components } from "./schema.gen";

type Schemas = components["schemas"];

export type ApiErrorBody = Schemas["ErrorBody"];
export type SyncStatus = Schemas["SyncStatus"];
export type SyncTriggerResponse = Schemas["TriggerAnswer"];
export type PeriodTotals = Schemas["PeriodFigures"];
export type Overview = Schemas["Overview"];
export type DailyPoint = Schemas["DailyPoint"];
export type DailyMetrics = Schemas["DailySeries"];
export type SessionSummary = Schemas["SessionSummary"];
export type SessionPage = Schemas["SessionPage"];
export type SessionDetail = Schemas["SessionDetail"];
export type TraceDetail = Schemas["TraceDetail"];
export type ObservationNode = Schemas["ObservationNode"];
export type AgentStats = Schemas["AgentStats"];
export type AgentList = Schemas["AgentList"];
export type AgentDetail = Schemas["AgentDetail"];
export type ModelMixEntry = Schemas["ModelShare"];
export type ModelStats = Schemas["ModelStats"];
export type ModelList = Schemas["ModelList"];
export type ModelSeries = Schemas["ModelSeries"];
export type ModelDailySeries = Schemas["ModelDailySeries"];

export type HistogramBin = Schemas["HistogramBin"];
export type ScoreSummary = Schemas["ScoreSummary"];
export type ScoreList = Schemas["ScoreSummaryList"];
export type Outcome = Schemas["Outcome"];
export type OutcomeList = Schemas["OutcomeList"];
export type SessionScore = Schemas["LatestScore"];
export type ScoreRecord = Schemas["ScoreEntry"];
export type AgentScore = Schemas["AgentScore"];
export type ErrorGroup = Schemas["ErrorGroup"];
export type ErrorGroupList = Schemas["ErrorGroupList"];
export type DistributionMetric = Schemas["MetricDistribution"];
export type SessionDistributions = Schemas["SessionDistributions"];
export type SyncCycle = Schemas["SyncCycle"];
export type BackfillProgress = Schemas["BackfillProgress"];
export type AgentComparison = Schemas["AgentComparison"];
export type AlertList = Schemas["AlertList"];
export type AlertRuleStatus = Schemas["AlertRuleStatus"];
export type AlertEvent = Schemas["AlertEvent"];
export type EnvironmentSummary = Schemas["EnvironmentSummary"];
export type EnvironmentList = Schemas["EnvironmentList"];
export type VersionList = Schemas["VersionList"];
export type VersionRow = Schemas["VersionRow"];
export type VersionScore = Schemas["VersionScore"];
export type VersionEstimate = Schemas["VersionEstimate"];

/** The `level` parameter of /api/errors. */
export type ErrorLevel = "ERROR" | "WARNING" | "all";

/** The sync daemon's states; the API types `state` as a plain string. */
export type SyncState = "idle" | "running" | "success" | "error" | "rate_limited";

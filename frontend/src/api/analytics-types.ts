// HAND-WRITTEN, TEMPORARY: the game-analytics response types (issue 8) in the
// shape of /work/plan/analytics-contract.md, until the api-server's OpenAPI
// snapshot (api-server/openapi.json) carries them. Then each of these becomes
// an alias of components["schemas"][...] in types.ts and this file goes away.
import type { AgentStats, SessionDetail, SessionSummary, SyncStatus } from "./types";

export type ScoreDataType = "NUMERIC" | "CATEGORICAL" | "BOOLEAN";

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface CategoryShare {
  value: string;
  count: number;
  share: number;
}

export interface ScoreDay {
  date: string;
  count: number;
  average: number | null;
}

export interface ScoreSummary {
  name: string;
  dataType: ScoreDataType;
  count: number;
  average: number | null;
  min: number | null;
  max: number | null;
  histogram: HistogramBin[];
  categories: CategoryShare[];
  daily: ScoreDay[];
}

export interface ScoreList {
  items: ScoreSummary[];
}

export interface Outcome {
  name: string;
  value: string;
  sessions: number;
  totalCost: number;
  costPerSession: number | null;
}

export interface OutcomeList {
  items: Outcome[];
}

/** The latest score of one name on a session. */
export interface SessionScore {
  name: string;
  dataType: ScoreDataType;
  value: number | null;
  stringValue: string | null;
}

/** One score as recorded, on the session page. */
export interface ScoreRecord {
  id: string;
  name: string;
  dataType: ScoreDataType;
  value: number | null;
  stringValue: string | null;
  comment: string | null;
  traceId: string | null;
  observationId: string | null;
  timestamp: string;
}

export interface AgentScore {
  name: string;
  dataType: ScoreDataType;
  count: number;
  average: number | null;
}

export type SessionSummaryWithScores = SessionSummary & { scores?: SessionScore[] };
export type SessionDetailWithAnalytics = SessionDetail & {
  session: SessionSummaryWithScores;
  scores?: ScoreRecord[];
  errorObservationIds?: string[];
};
export type AgentStatsWithScores = AgentStats & { scores?: AgentScore[] };

export type ErrorLevel = "ERROR" | "WARNING" | "all";

export interface ErrorDay {
  date: string;
  count: number;
}

export interface ErrorGroup {
  key: string;
  agent: string;
  name: string | null;
  level: string;
  message: string;
  example: string | null;
  count: number;
  sessions: number;
  firstSeen: string;
  lastSeen: string;
  daily: ErrorDay[];
  sessionIds: string[];
  observationIds: string[];
}

export interface ErrorGroupList {
  items: ErrorGroup[];
  /** Groups in all, before the cut to 200. */
  total: number;
}

export type DistributionMetricName = "totalCost" | "durationMs" | "traces" | "errors";

export interface Outlier {
  id: string;
  value: number;
}

export interface DistributionMetric {
  metric: DistributionMetricName;
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  histogram: HistogramBin[];
  outliers: Outlier[];
}

export interface SessionDistributions {
  sessions: number;
  metrics: DistributionMetric[];
}

export interface SyncCycle {
  startedAt: string | null;
  finishedAt: string;
  state: string;
  requestsSent: number;
  rateLimitedResponses: number;
  rowsWritten: number;
  quotaUsedShare: number | null;
}

export interface BackfillProgress {
  from: string;
  coveredUntil: string;
  complete: boolean;
  remainingRequestsEstimate: number | null;
  remainingSecondsEstimate: number | null;
}

/** The sync status with the freshness fields; optional so an older api-server still renders. */
export type SyncStatusWithFreshness = SyncStatus & {
  quotaPerMinute?: number | null;
  syncIntervalSecs?: number | null;
  stale?: boolean;
  newestDataAgeSeconds?: number | null;
  recentCycles?: SyncCycle[];
  backfill?: BackfillProgress | null;
};

export interface AgentComparison {
  items: AgentStatsWithScores[];
}

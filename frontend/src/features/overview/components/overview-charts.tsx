import type { AgentStats, ModelStats } from "../../../api/types";
import { BreakdownChart } from "../../../components/charts/breakdown-chart";
import { formatUsd } from "../../../lib/format";

// Kept in its own module: it pulls in Recharts, which the first paint does not need.

export function CostByAgentChart({ agents }: { agents: AgentStats[] }) {
  return (
    <BreakdownChart
      title="Cost by agent"
      color="#4f46e5"
      formatValue={formatUsd}
      items={agents.map((agent) => ({ name: agent.agent, value: agent.totalCost ?? 0 }))}
    />
  );
}

export function CostByModelChart({ models }: { models: ModelStats[] }) {
  return (
    <BreakdownChart
      title="Cost by model"
      color="#0891b2"
      formatValue={formatUsd}
      items={models.map((model) => ({ name: model.model, value: model.totalCost ?? 0 }))}
    />
  );
}

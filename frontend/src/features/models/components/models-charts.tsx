import type { ModelStats } from "../../../api/types";
import { BreakdownChart } from "../../../components/charts/breakdown-chart";
import { formatCompact, formatUsd } from "../../../lib/format";

export function ModelsCharts({ models }: { models: ModelStats[] }) {
  return (
    <div className="grid gap-4 xl:grid-cols-2">
      <BreakdownChart
        title="Cost by model"
        color="#4f46e5"
        formatValue={formatUsd}
        items={models.map((model) => ({ name: model.model, value: model.totalCost ?? 0 }))}
      />
      <BreakdownChart
        title="Tokens by model"
        color="#0891b2"
        formatValue={formatCompact}
        items={models.map((model) => ({ name: model.model, value: model.totalTokens ?? 0 }))}
      />
    </div>
  );
}

// The session page's observation trees, as the API sends them and as the
// page shows them: shared by the specs that open a trace and expand one of
// its observations.
import type { Locator } from '@playwright/test';

export interface TreeNode {
  type: string;
  name: string | null;
  output: string | null;
  input: string | null;
  children: TreeNode[];
}

export interface SessionDetail {
  traces: { observationsTree: TreeNode[] }[];
}

export function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children ?? [])]);
}

/**
 * Opens `trace` (an item of the page's trace timeline) if it is closed and
 * returns the toggle of the generation `node`, one of the trace's `nodes`.
 * Observations may share a name, so the toggle is picked by its position
 * among those of the same name.
 */
export async function generationToggle(trace: Locator, node: TreeNode, nodes: TreeNode[]): Promise<Locator> {
  const traceToggle = trace.getByRole('button').first();
  if ((await traceToggle.getAttribute('aria-expanded')) !== 'true') await traceToggle.click();
  const sameName = nodes.filter((other) => other.type === node.type && other.name === node.name);
  return trace
    .getByRole('button', { name: `GENERATION ${node.name}: input and output`, exact: true })
    .nth(sameName.indexOf(node));
}

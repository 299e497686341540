import type { ReactNode } from "react";

interface SortHeaderProps {
  label: ReactNode;
  active: boolean;
  order: "asc" | "desc";
  onSort: () => void;
  align?: "left" | "right";
  className?: string;
}

export function SortHeader({ label, active, order, onSort, align = "left", className = "" }: SortHeaderProps) {
  return (
    <th
      scope="col"
      aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"}
      className={`px-2 py-2 font-medium whitespace-nowrap ${align === "right" ? "text-right" : "text-left"} ${className}`}
    >
      <button type="button" onClick={onSort} className="inline-flex items-center gap-1 rounded hover:underline">
        {label}
        <span aria-hidden="true" className="text-xs">
          {active ? (order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}

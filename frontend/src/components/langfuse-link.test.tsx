import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { LangfuseLink } from "./langfuse-link";

describe("the link to Langfuse", () => {
  it("opens the trace in a new tab, without handing it this page", () => {
    const href = "https://cloud.langfuse.com/project/p1/traces/t-1";
    render(<LangfuseLink href={href} what="trace" />);
    const link = screen.getByRole("link", { name: "Open in Langfuse ↗" });
    expect(link).toHaveAttribute("href", href);
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", "noopener noreferrer");
  });

  it.each([[null], [undefined], [""], ["javascript:alert(1)"], ["/project/p1/traces/t-1"]])(
    "is absent, not broken, for %j",
    (href) => {
      const { container } = render(<LangfuseLink href={href} what="session" />);
      expect(container).toBeEmptyDOMElement();
    },
  );
});

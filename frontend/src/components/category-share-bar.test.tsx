import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { CategoryShareBar } from "./category-share-bar";

describe("the category share bar", () => {
  it("lists each value with its share and count, most frequent first", () => {
    render(
      <CategoryShareBar
        name="match_outcome"
        total={50}
        categories={[
          { value: "match", count: 31, share: 0.62 },
          { value: "no_match", count: 19, share: 0.38 },
        ]}
      />,
    );
    const items = within(screen.getByRole("list", { name: "match_outcome values" }))
      .getAllByRole("listitem")
      .map((item) => item.textContent);
    expect(items).toEqual(["match62.0% (31)", "no_match38.0% (19)"]);
  });

  it("sums the scores the top values leave out under other", () => {
    render(
      <CategoryShareBar
        name="mood"
        total={10}
        categories={[
          { value: "calm", count: 6, share: 0.6 },
          { value: "tense", count: 3, share: 0.3 },
        ]}
      />,
    );
    const list = screen.getByRole("list", { name: "mood values" });
    expect(within(list).getAllByRole("listitem").at(-1)).toHaveTextContent("other10.0% (1)");
  });

  it("draws the bar as decoration whose segments add up to the whole", () => {
    const { container } = render(
      <CategoryShareBar
        name="win"
        total={4}
        categories={[
          { value: "true", count: 3, share: 0.75 },
          { value: "false", count: 1, share: 0.25 },
        ]}
      />,
    );
    const bar = container.querySelector('[aria-hidden="true"]')!;
    const widths = [...bar.children].map((segment) => parseFloat((segment as HTMLElement).style.width));
    expect(widths).toEqual([75, 25]);
  });

  it("shows a dash without values", () => {
    render(<CategoryShareBar name="none" total={0} categories={[]} />);
    expect(screen.getByText("—")).toBeInTheDocument();
    expect(screen.queryByRole("list")).not.toBeInTheDocument();
  });
});

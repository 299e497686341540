import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { PayloadView } from "./payload-view";

const openAiChat = JSON.stringify([
  { role: "system", content: "You are matchmaker." },
  { role: "user", content: [{ type: "text", text: "Rank the candidates for player-22" }] },
  { role: "assistant", content: null, tool_calls: [{ id: "call_1", function: { name: "lookup", arguments: "{}" } }] },
  { role: "tool", tool_call_id: "call_1", content: "player-22 likes chess" },
]);

const anthropicChat = JSON.stringify({
  system: "You are referee.",
  messages: [
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "score_date", input: { date: 7 } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "fine", is_error: false }] },
  ],
});

describe("a payload that is a chat", () => {
  it.each([
    ["OpenAI", openAiChat, ["system", "user", "assistant", "tool"], "lookup", "player-22 likes chess"],
    ["Anthropic", anthropicChat, ["system", "assistant", "user"], "score_date", "fine"],
  ])("shows %s messages by role, with tool calls and results", async (_style, raw, roles, tool, result) => {
    render(<PayloadView label="Input" raw={raw} />);
    const chat = screen.getByLabelText("Input");
    expect(chat).toHaveAttribute("data-testid", "chat-view");
    const items = within(chat).getAllByRole("listitem");
    expect(items.map((item) => item.getAttribute("data-role"))).toEqual(roles);
    expect(within(chat).getByTestId("chat-tool-call")).toHaveTextContent(`Calls tool ${tool}`);
    expect(within(chat).getByTestId("chat-tool-result")).toHaveTextContent(result);
    expect(screen.getByText(`Chat · ${roles.length} messages`)).toBeInTheDocument();
  });

  it("keeps the raw JSON one click away", async () => {
    render(<PayloadView label="Input" raw={openAiChat} />);
    const toggle = screen.getByRole("button", { name: "Raw JSON" });
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByLabelText("Input").tagName).toBe("PRE");
    // Pretty-printed (and folded like any long JSON).
    const pretty = JSON.stringify(JSON.parse(openAiChat), null, 2);
    expect(pretty.startsWith(screen.getByLabelText("Input").textContent!.replace(/…$/, ""))).toBe(true);
    expect(screen.getByLabelText("Input").textContent).toContain('"tool_calls": [');
    await userEvent.click(toggle);
    expect(screen.getByLabelText("Input")).toHaveAttribute("data-testid", "chat-view");
  });
});

describe("a payload that is not a chat", () => {
  it("falls back to pretty-printed JSON without a chat toggle", () => {
    const raw = '{"reply":"Here is an answer.","candidates":[{"rank":0}]}';
    render(<PayloadView label="Output" raw={raw} />);
    expect(screen.getByLabelText("Output").textContent).toBe(JSON.stringify(JSON.parse(raw), null, 2));
    expect(screen.getByText("JSON")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Raw JSON" })).toBeNull();
  });

  it("shows plain text as text", () => {
    render(<PayloadView label="Output" raw="<b>player-22</b> likes chess" />);
    expect(screen.getByLabelText("Output").textContent).toBe("<b>player-22</b> likes chess");
    expect(document.querySelector("b")).toBeNull();
  });
});

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import notFound from "../../../test/fixtures/error-session-not-found.json";
import detail from "../../../test/fixtures/session-detail.json";
import { renderApp } from "../../../test/render";
import { server } from "../../../test/server";

const path = `/sessions/${detail.session.id}`;
const api = `/api/sessions/${detail.session.id}`;

async function openTrace(name: string) {
  await userEvent.click(await screen.findByRole("button", { name: new RegExp(`^${name}`) }));
}

describe("the session page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer(api));
    renderApp(path);
    expect(await screen.findByText("Loading session…")).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet(api));
    renderApp(path);
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("says when the session does not exist", async () => {
    server.use(syncStatusSuccess(), answer("/api/sessions/session-missing", notFound, 404));
    renderApp("/sessions/session-missing");
    expect(await screen.findByText("No session with this id has been synced.")).toBeInTheDocument();
  });

  it("says so when the session has no traces", async () => {
    server.use(syncStatusSuccess(), answer(api, { ...detail, traces: [] }));
    renderApp(path);
    expect(await screen.findByText("This session has no traces.")).toBeInTheDocument();
  });

  it("shows a failure with a way to try again", async () => {
    server.use(syncStatusSuccess(), serverFailure(api));
    renderApp(path);
    expect(await screen.findByRole("alert")).toHaveTextContent("The server answered 502 (Bad Gateway).");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it.each([
    ["a link when the API gives one", "https://cloud.langfuse.com/project/cupid/sessions/s-1", 1],
    ["no link when the project is unknown", null, 0],
  ])("offers %s to the session in Langfuse", async (_case, langfuseUrl, links) => {
    server.use(syncStatusSuccess(), answer(api, { ...detail, langfuseUrl }));
    renderApp(path);
    await screen.findByRole("region", { name: "Summary" });
    const found = screen.queryAllByRole("link", { name: "Open in Langfuse ↗" });
    expect(found).toHaveLength(links);
    if (langfuseUrl) expect(found[0]).toHaveAttribute("href", langfuseUrl);
  });

  it("shows the session's figures and its traces in time order", async () => {
    server.use(syncStatusSuccess(), answer(api, detail));
    renderApp(path);
    expect(await screen.findByRole("heading", { level: 1, name: `Session ${detail.session.id}` })).toBeInTheDocument();
    const summary = await screen.findByRole("region", { name: "Summary" });
    expect(within(summary).getByText("Cost").nextSibling).toHaveTextContent("$0.035");
    expect(within(summary).getByText("Duration").nextSibling).toHaveTextContent("12m 13s");
    expect(within(summary).getByText("Environment").nextSibling).toHaveTextContent(detail.session.environment);
    const timeline = screen.getByRole("list", { name: "Traces in time order" });
    const traces = [...timeline.querySelectorAll<HTMLButtonElement>(":scope > li > button")];
    expect(traces.map((trace) => trace.textContent?.match(/round-\d/)?.[0])).toEqual(["round-1", "round-2"]);
    expect(traces[1]).toHaveTextContent("1 error");
    expect(traces[0]).toHaveAttribute("aria-expanded", "false");
  });

  it("opens the trace with the first error and links to it", async () => {
    server.use(syncStatusSuccess(), answer(api, detail));
    const { container } = renderApp(path);
    const link = await screen.findByRole("link", { name: "Go to the first error" });
    expect(link).toHaveAttribute("href", "#observation-obs-11");
    expect(screen.getByRole("button", { name: /^round-2/ })).toHaveAttribute("aria-expanded", "true");
    expect(container.querySelector("#observation-obs-11")).toHaveTextContent("judge-date");
  });

  it("opens the first trace when the session has no error, ready to show an input and output", async () => {
    const withoutErrors = {
      ...detail,
      errorObservationIds: [],
      session: { ...detail.session, errors: 0, firstErrorObservationId: null },
    };
    server.use(syncStatusSuccess(), answer(api, withoutErrors));
    renderApp(path);
    expect(await screen.findByRole("button", { name: /^round-1/ })).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByRole("button", { name: /^round-2/ })).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("link", { name: "Go to the first error" })).toBeNull();
    const [firstObservation] = screen.getAllByRole("button", { name: /input and output/ });
    expect(firstObservation).toHaveAccessibleName("AGENT matchmaker: input and output");
    await userEvent.click(firstObservation!);
    expect(screen.getAllByText(/^Output/)[0]).toBeVisible();
  });

  it("shows a trace's observation tree with type, model, tokens, cost, latency and level", async () => {
    server.use(syncStatusSuccess(), answer(api, detail));
    renderApp(path);
    await openTrace("round-1");
    const tree = screen.getByRole("list", { name: "Observations of round-1" });
    const generation = within(tree).getByText("rank-candidates").closest("div")!;
    expect(generation).toHaveTextContent("GENERATION");
    expect(generation).toHaveTextContent("gpt-4o-mini");
    expect(generation).toHaveTextContent("1,820 in / 640 out");
    expect(generation).toHaveTextContent("$0.00066");
    expect(generation).toHaveTextContent("3.20 s");
    // Children are nested under their parent.
    const agent = within(tree).getByText("matchmaker", { selector: "span.font-medium" }).closest("li")!;
    expect(within(agent).getByText("lookup-profile")).toBeInTheDocument();

    // The trace holding the session's first error is already open.
    const failing = screen.getByRole("list", { name: "Observations of round-2" });
    expect(within(failing).getByText("ERROR")).toBeInTheDocument();
    expect(within(failing).getByText(/^Upstream model error:/)).toBeInTheDocument();
  });

  it("shows a chat input as messages, pretty-prints other JSON on expand and folds long values", async () => {
    server.use(syncStatusSuccess(), answer(api, detail));
    renderApp(path);
    await openTrace("round-1");
    await userEvent.click(screen.getByRole("button", { name: /rank-candidates/ }));
    // The input is a chat: shown as messages, its JSON one click away.
    const chat = screen.getByLabelText("Input");
    expect(within(chat).getByRole("listitem")).toHaveAttribute("data-role", "user");
    expect(chat).toHaveTextContent("Rank the candidates for player-22");
    await userEvent.click(screen.getByRole("button", { name: "Raw JSON" }));
    expect(screen.getByLabelText("Input").textContent).toBe(
      JSON.stringify(JSON.parse(detail.traces[0]!.observationsTree[0]!.children[0]!.input!), null, 2),
    );
    const output = screen.getByLabelText("Output");
    expect(output.textContent).toMatch(/^\{\n {2}"reply": "Here is a long answer.",/);
    expect(output.textContent).toMatch(/…$/);
    const showAll = screen.getByRole("button", { name: /^Show all \(\d+ lines/ });
    await userEvent.click(showAll);
    expect(screen.getByLabelText("Output").textContent).toContain('"name": "candidate-39"');
    expect(screen.getByRole("button", { name: "Fold" })).toBeInTheDocument();
  });

  it("renders untrusted text from Langfuse as text, never as HTML", async () => {
    server.use(syncStatusSuccess(), answer(api, detail));
    const { container } = renderApp(path);
    await userEvent.click(await screen.findByRole("button", { name: /judge-date/ }));
    const payload = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true">';
    expect(screen.getByLabelText("Input").textContent).toBe(payload);
    expect(screen.getByLabelText("Output").textContent).toContain("<script>window.__pwned = true</script>");
    expect(screen.getByText(`Upstream model error: ${payload}`)).toBeInTheDocument();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: boolean }).__pwned).toBeUndefined();
  });

  it("links back to the list keeping the range", async () => {
    server.use(syncStatusSuccess(), answer(api, detail));
    renderApp(`${path}?range=30d`);
    expect(await screen.findByRole("link", { name: "← All sessions" })).toHaveAttribute("href", "/sessions?range=30d");
  });
});

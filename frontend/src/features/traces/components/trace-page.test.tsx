import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import notFound from "../../../test/fixtures/error-trace-not-found.json";
import sessionDetail from "../../../test/fixtures/session-detail.json";
import trace from "../../../test/fixtures/trace-detail.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

const path = `/traces/${trace.id}`;
const api = `/api/traces/${trace.id}`;

describe("the trace page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer(api));
    renderApp(path);
    expect(await screen.findByText("Loading trace…")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: `Trace ${trace.id}` })).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet(api));
    renderApp(path);
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("says when the trace does not exist", async () => {
    server.use(syncStatusSuccess(), answer("/api/traces/trace-missing", notFound, 404));
    renderApp("/traces/trace-missing");
    expect(await screen.findByText("No trace with this id has been synced.")).toBeInTheDocument();
  });

  it("says so when the trace has no observations", async () => {
    server.use(syncStatusSuccess(), answer(api, { ...trace, observationsTree: [] }));
    renderApp(path);
    expect(await screen.findByText("No observations recorded.")).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure(api));
    renderApp(path);
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("shows the trace's figures, its session and its observation tree", async () => {
    server.use(syncStatusSuccess(), answer(api, trace));
    renderApp(`${path}?range=30d&environment=staging`);
    const summary = await screen.findByRole("region", { name: "Summary" });
    expect(within(summary).getByRole("link", { name: trace.sessionId })).toHaveAttribute(
      "href",
      `/sessions/${trace.sessionId}?range=30d&environment=staging`,
    );
    expect(within(summary).getByText("Latency").nextSibling).toHaveTextContent("5.50 s");
    expect(within(summary).getByText("Environment").nextSibling).toHaveTextContent(trace.environment);
    const tree = screen.getByRole("list", { name: `Observations of ${trace.name}` });
    expect(within(tree).getByText("ERROR")).toBeInTheDocument();
    expect(document.title).toBe(`Trace ${trace.name} · Cupid Dashboard`);
  });

  it("links to the trace in Langfuse when the API knows where, and not otherwise", async () => {
    const langfuseUrl = `https://cloud.langfuse.com/project/cupid/traces/${trace.id}`;
    server.use(syncStatusSuccess(), answer(api, { ...trace, langfuseUrl }));
    const { unmount } = renderApp(path);
    expect(await screen.findByRole("link", { name: "Open in Langfuse ↗" })).toHaveAttribute("href", langfuseUrl);
    unmount();
    server.use(answer(api, { ...trace, langfuseUrl: null }));
    renderApp(path);
    await screen.findByRole("region", { name: "Summary" });
    expect(screen.queryByRole("link", { name: "Open in Langfuse ↗" })).toBeNull();
  });

  it("is reached from the session timeline", async () => {
    server.use(
      syncStatusSuccess(),
      answer(`/api/sessions/${sessionDetail.session.id}`, sessionDetail),
      answer(api, trace),
    );
    const { router } = renderApp(`/sessions/${sessionDetail.session.id}`);
    await userEvent.click(await screen.findByRole("link", { name: `Open trace ${trace.id}` }));
    expect(currentUrl(router)).toBe(path);
    expect(await screen.findByRole("region", { name: "Summary" })).toBeInTheDocument();
  });
});

import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import userEvent from "@testing-library/user-event";
import { act, screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { createApiClient, unwrap } from "../api/http-client";
import { answer } from "../test/api-handlers";
import noData from "../test/fixtures/error-no-data.json";
import { renderRoute } from "../test/render";
import { server } from "../test/server";
import { QueryContent } from "./query-states";

/** A made-up endpoint, so that these tests exercise the client's error handling and nothing of a real page. */
interface FiguresApi {
  "/api/figures": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query?: { page?: number }; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: { headers: Record<string, unknown>; content: { "application/json": { items: number[] } } } };
    };
  };
}
const figuresApi = createApiClient<FiguresApi>();

function Figures() {
  const query = useQuery({ queryKey: ["figures"], queryFn: () => unwrap(figuresApi.GET("/api/figures")) });
  return (
    <QueryContent
      query={query}
      isEmpty={(data) => data.items.length === 0}
      empty="Nothing yet."
      loadingLabel="Loading figures…"
    >
      {(data) => <p>Figures: {data.items.join(", ")}</p>}
    </QueryContent>
  );
}

describe("QueryContent", () => {
  it("shows the data once loaded", async () => {
    server.use(answer("/api/figures", { items: [1, 2] }));
    renderRoute(<Figures />);
    expect(screen.getByText("Loading figures…")).toBeInTheDocument();
    expect(await screen.findByText("Figures: 1, 2")).toBeInTheDocument();
  });

  it("dims the earlier figures while the next ones load", async () => {
    let release: () => void = () => {};
    server.use(
      http.get("/api/figures", async ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get("page"));
        if (page === 2) await new Promise<void>((resolve) => (release = resolve));
        return HttpResponse.json({ items: [page] });
      }),
    );
    function Paged() {
      const [page, setPage] = useState(1);
      const query = useQuery({
        queryKey: ["figures", page],
        queryFn: () => unwrap(figuresApi.GET("/api/figures", { params: { query: { page } } })),
        placeholderData: keepPreviousData,
      });
      return (
        <>
          <button type="button" onClick={() => setPage(2)}>
            Next
          </button>
          <QueryContent query={query}>{(data) => <p>Figures: {data.items.join(", ")}</p>}</QueryContent>
        </>
      );
    }
    renderRoute(<Paged />);
    expect(await screen.findByText("Figures: 1")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByText("Figures: 1").parentElement).toHaveAttribute("aria-busy", "true"));
    act(() => release());
    expect(await screen.findByText("Figures: 2")).toBeInTheDocument();
    expect(screen.getByText("Figures: 2").parentElement).toHaveAttribute("aria-busy", "false");
  });

  it("shows the empty message for an empty answer", async () => {
    server.use(answer("/api/figures", { items: [] }));
    renderRoute(<Figures />);
    expect(await screen.findByText("Nothing yet.")).toBeInTheDocument();
  });

  it("tells a database that was never synced apart from a failure", async () => {
    server.use(answer("/api/figures", noData, 503));
    renderRoute(<Figures />);
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("keeps the figures on screen when a refresh fails, and says so", async () => {
    let calls = 0;
    server.use(
      http.get("/api/figures", () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({ items: [3] })
          : HttpResponse.json(
              { error: "unavailable", message: "The database is busy.", parameter: null },
              { status: 503 },
            );
      }),
    );
    const { queryClient } = renderRoute(<Figures />);
    await screen.findByText("Figures: 3");
    await act(() => queryClient.refetchQueries({ queryKey: ["figures"] }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Showing earlier figures: the refresh failed (The database is busy.).",
    );
    expect(screen.getByText("Figures: 3")).toBeInTheDocument();
  });
});

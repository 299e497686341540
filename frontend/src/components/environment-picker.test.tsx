import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, syncStatusSuccess } from "../test/api-handlers";
import environments from "../test/fixtures/environments.json";
import models from "../test/fixtures/models.json";
import modelsDaily from "../test/fixtures/models-daily.json";
import overview from "../test/fixtures/overview-7d.json";
import daily from "../test/fixtures/metrics-daily-7d.json";
import agents from "../test/fixtures/agents.json";
import { currentUrl, renderApp } from "../test/render";
import { server } from "../test/server";

/** The models page: one figure request, so what it asks for is easy to follow. */
function answerModelsPage(environmentsHandler = answer("/api/environments", environments)) {
  const askedEnvironments: (string | null)[] = [];
  server.use(
    syncStatusSuccess(),
    environmentsHandler,
    answer("/api/models/daily", modelsDaily),
    http.get("/api/models", ({ request }) => {
      askedEnvironments.push(new URL(request.url).searchParams.get("environment"));
      return HttpResponse.json(models);
    }),
  );
  return askedEnvironments;
}

const pickerButton = () => screen.getByRole("button", { name: /^Environment:/ });
// The layout renders once the router has loaded the page's code.
const findPickerButton = () => screen.findByRole("button", { name: /^Environment:/ });

async function openPicker() {
  await userEvent.click(await findPickerButton());
  return screen.getByRole("group", { name: "Choose environments" });
}

describe("the environment picker", () => {
  it("says the default and asks the API for nothing until it is opened", async () => {
    // No /api/environments handler: a request for it would fail the test.
    server.use(syncStatusSuccess(), answer("/api/models", models), answer("/api/models/daily", modelsDaily));
    renderApp("/models");
    await screen.findByRole("table", { name: "Models" });
    expect(pickerButton()).toHaveAccessibleName("Environment: All but internal");
    expect(pickerButton()).toHaveAttribute("aria-expanded", "false");
  });

  it("lists the environments with their observation counts, the internal ones in their own group", async () => {
    answerModelsPage();
    renderApp("/models");
    const panel = await openPicker();
    expect(pickerButton()).toHaveAttribute("aria-expanded", "true");
    const ordinary = await within(panel).findByRole("group", { name: "Environments" });
    const internal = within(panel).getByRole("group", { name: "Internal (Langfuse evaluations)" });
    expect(within(ordinary).getAllByRole("checkbox")).toHaveLength(3);
    // By default every ordinary environment is in and the internal one is not.
    for (const name of ["production", "staging", "dev"]) {
      expect(within(ordinary).getByRole("checkbox", { name })).toBeChecked();
    }
    expect(within(internal).getByRole("checkbox", { name: "langfuse-llm-as-a-judge" })).not.toBeChecked();
    expect(within(ordinary).getByRole("checkbox", { name: "production" })).toHaveAccessibleDescription(
      /^18,240 observations, newest /,
    );
    expect(within(ordinary).getByRole("checkbox", { name: "dev" })).toHaveAccessibleDescription(/^3 observations/);
    expect(within(panel).getByRole("button", { name: "All but internal" })).toHaveAttribute("aria-pressed", "true");
  });

  it("shows that the list is loading", async () => {
    answerModelsPage(neverAnswer("/api/environments"));
    renderApp("/models");
    const panel = await openPicker();
    expect(within(panel).getByRole("status")).toHaveTextContent("Loading environments…");
  });

  it("says the first sync is running before there is data", async () => {
    answerModelsPage(noDataYet("/api/environments"));
    renderApp("/models");
    const panel = await openPicker();
    expect(await within(panel).findByText("No environments yet: the first sync is running.")).toBeInTheDocument();
  });

  it("shows a failure with a way to try again", async () => {
    let calls = 0;
    answerModelsPage(
      http.get("/api/environments", () => {
        calls += 1;
        return calls === 1
          ? new HttpResponse("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" })
          : HttpResponse.json(environments);
      }),
    );
    renderApp("/models");
    const panel = await openPicker();
    expect(await within(panel).findByRole("alert")).toHaveTextContent("The server answered 502 (Bad Gateway).");
    await userEvent.click(within(panel).getByRole("button", { name: "Try again" }));
    expect(await within(panel).findByRole("checkbox", { name: "staging" })).toBeInTheDocument();
  });

  it("keeps only one environment, puts it in the URL and asks the API for it", async () => {
    const asked = answerModelsPage();
    const { router } = renderApp("/models?range=30d");
    await screen.findByRole("table", { name: "Models" });
    const panel = await openPicker();
    await userEvent.click(await within(panel).findByRole("button", { name: "Only staging" }));
    expect(currentUrl(router)).toBe("/models?range=30d&environment=staging");
    expect(pickerButton()).toHaveAccessibleName("Environment: staging");
    expect(within(panel).getByRole("checkbox", { name: "staging" })).toBeChecked();
    expect(within(panel).getByRole("checkbox", { name: "production" })).not.toBeChecked();
    await waitFor(() => expect(asked).toEqual([null, "staging"]));
  });

  it("adds and removes environments by ticking them, and goes back to the default", async () => {
    const asked = answerModelsPage();
    const { router } = renderApp("/models");
    const panel = await openPicker();
    await userEvent.click(await within(panel).findByRole("checkbox", { name: "langfuse-llm-as-a-judge" }));
    expect(currentUrl(router)).toBe("/models?environment=dev%2Clangfuse-llm-as-a-judge%2Cproduction%2Cstaging");
    expect(pickerButton()).toHaveAccessibleName("Environment: 4 environments");
    await userEvent.click(within(panel).getByRole("checkbox", { name: "dev" }));
    expect(currentUrl(router)).toBe("/models?environment=langfuse-llm-as-a-judge%2Cproduction%2Cstaging");
    await userEvent.click(within(panel).getByRole("button", { name: "All but internal" }));
    expect(currentUrl(router)).toBe("/models");
    expect(within(panel).getByRole("checkbox", { name: "langfuse-llm-as-a-judge" })).not.toBeChecked();
    await waitFor(() =>
      expect(asked).toEqual([
        null,
        "dev,langfuse-llm-as-a-judge,production,staging",
        "langfuse-llm-as-a-judge,production,staging",
      ]),
    );
  });

  it("shows a chosen environment the data does not hold, so it can be taken back", async () => {
    const asked = answerModelsPage();
    const { router } = renderApp("/models?environment=nightly");
    expect(await findPickerButton()).toHaveAccessibleName("Environment: nightly");
    const panel = await openPicker();
    const nightly = await within(panel).findByRole("checkbox", { name: "nightly" });
    expect(nightly).toBeChecked();
    expect(nightly).toHaveAccessibleDescription("not in the data");
    await userEvent.click(nightly);
    await waitFor(() => expect(currentUrl(router)).toBe("/models"));
    await waitFor(() => expect(asked).toEqual(["nightly", null]));
  });

  it("works from the keyboard and closes with Escape, giving the focus back", async () => {
    const asked = answerModelsPage();
    const { router } = renderApp("/models");
    await screen.findByRole("table", { name: "Models" });
    pickerButton().focus();
    await userEvent.keyboard("{Enter}");
    const panel = screen.getByRole("group", { name: "Choose environments" });
    const production = await within(panel).findByRole("checkbox", { name: "production" });
    production.focus();
    await userEvent.keyboard(" ");
    expect(currentUrl(router)).toBe("/models?environment=dev%2Cstaging");
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("group", { name: "Choose environments" })).toBeNull();
    expect(pickerButton()).toHaveFocus();
    expect(pickerButton()).toHaveAttribute("aria-expanded", "false");
    await waitFor(() => expect(asked).toEqual([null, "dev,staging"]));
  });

  it("closes on a click elsewhere and with Done", async () => {
    answerModelsPage();
    renderApp("/models");
    await openPicker();
    await userEvent.click(screen.getByRole("heading", { level: 1, name: "Models" }));
    expect(screen.queryByRole("group", { name: "Choose environments" })).toBeNull();
    const panel = await openPicker();
    await userEvent.click(within(panel).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("group", { name: "Choose environments" })).toBeNull();
    expect(pickerButton()).toHaveFocus();
  });
});

describe("the chosen environments in the URL", () => {
  it("follow the viewer from page to page and survive a reload", async () => {
    const askedOverview: (string | null)[] = [];
    answerModelsPage();
    server.use(
      http.get("/api/overview", ({ request }) => {
        askedOverview.push(new URL(request.url).searchParams.get("environment"));
        return HttpResponse.json(overview);
      }),
      answer("/api/metrics/daily", daily),
      answer("/api/agents", agents),
    );
    const { router, unmount } = renderApp("/models?environment=staging&sort=model");
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Overview" })).toHaveAttribute("href", "/?environment=staging");
    await userEvent.click(within(nav).getByRole("link", { name: "Overview" }));
    await screen.findByTestId("kpi-sessions");
    expect(currentUrl(router)).toBe("/?environment=staging");
    expect(pickerButton()).toHaveAccessibleName("Environment: staging");
    expect(askedOverview).toEqual(["staging"]);

    // A reload: a new app (new router, empty cache) at the same address.
    const url = currentUrl(router);
    unmount();
    const reloaded = renderApp(url);
    await screen.findByTestId("kpi-sessions");
    expect(currentUrl(reloaded.router)).toBe("/?environment=staging");
    expect(pickerButton()).toHaveAccessibleName("Environment: staging");
    expect(askedOverview).toEqual(["staging", "staging"]);
  });

  it("restore the earlier choice on back", async () => {
    const asked = answerModelsPage();
    const { router } = renderApp("/models?environment=staging");
    await screen.findByRole("table", { name: "Models" });
    const panel = await openPicker();
    await userEvent.click(await within(panel).findByRole("button", { name: "Only production" }));
    expect(pickerButton()).toHaveAccessibleName("Environment: production");
    await router.navigate(-1);
    await waitFor(() => expect(pickerButton()).toHaveAccessibleName("Environment: staging"));
    expect(currentUrl(router)).toBe("/models?environment=staging");
    expect(asked).toEqual(["staging", "production"]);
  });
});

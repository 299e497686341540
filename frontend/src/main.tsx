import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, RouterProvider } from "react-router";
import { followOneDataVersion } from "./app/one-data-version";
import { createQueryClient } from "./app/query-client";
import { createRoutes } from "./app/routes";
import "./index.css";

const queryClient = createQueryClient();
// From the first request on: the overview's loader asks for its figures
// before any component mounts.
followOneDataVersion(queryClient);
const router = createBrowserRouter(createRoutes(queryClient));

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element");

createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);

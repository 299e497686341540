/** "Open in Langfuse" for a trace or session the API gave a link for; nothing (not a broken link) without one. */
export function LangfuseLink({ href, what }: { href: string | null | undefined; what: "trace" | "session" }) {
  // The API builds the URL from the daemon's LANGFUSE_HOST; anything but http(s) is not followed.
  if (!href || !/^https?:\/\//i.test(href)) return null;
  return (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer"
      data-testid="langfuse-link"
      title={`This ${what} in Langfuse (opens a new tab)`}
      className="text-sm text-indigo-700 underline dark:text-indigo-300"
    >
      Open in Langfuse ↗
    </a>
  );
}

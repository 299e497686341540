import { useEffect } from "react";

/** Names the browser tab after the page, so several open tabs can be told apart. */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Cupid Dashboard`;
  }, [title]);
}

// Observation input/output/metadata arrive as strings that are usually JSON.
// They are untrusted text from Langfuse: shown as text, never as HTML.

export interface FormattedPayload {
  text: string;
  isJson: boolean;
}

export function formatPayload(raw: string): FormattedPayload {
  const trimmed = raw.trim();
  if (!trimmed) return { text: raw, isJson: false };
  try {
    const parsed: unknown = JSON.parse(trimmed);
    // A JSON-encoded string reads better without its quotes and escapes.
    if (typeof parsed === "string") return { text: parsed, isJson: false };
    return { text: JSON.stringify(parsed, null, 2), isJson: true };
  } catch {
    return { text: raw, isJson: false };
  }
}

export const FOLD_LINES = 24;
export const FOLD_CHARS = 2_000;

export interface FoldedText {
  shown: string;
  folded: boolean;
  totalLines: number;
  totalChars: number;
}

/** The beginning of a long value: at most FOLD_LINES lines and FOLD_CHARS characters. */
export function foldText(text: string, maxLines = FOLD_LINES, maxChars = FOLD_CHARS): FoldedText {
  const lines = text.split("\n");
  let shown = lines.length > maxLines ? lines.slice(0, maxLines).join("\n") : text;
  if (shown.length > maxChars) shown = shown.slice(0, maxChars);
  return { shown, folded: shown.length < text.length, totalLines: lines.length, totalChars: text.length };
}

import { useId, useMemo, useState } from "react";
import { formatInteger } from "../lib/format";
import { parseChatPayload, type ChatMessage, type ChatPart } from "../lib/chat-messages";
import { foldText, formatPayload } from "../lib/payload";

const ROLE_STYLES: Record<string, string> = {
  system: "border-slate-400",
  user: "border-sky-500",
  assistant: "border-indigo-500",
  tool: "border-amber-500",
};

function PartView({ part }: { part: ChatPart }) {
  const block =
    "mt-1 overflow-auto rounded bg-slate-100 p-2 font-mono break-words whitespace-pre-wrap dark:bg-slate-800";
  switch (part.kind) {
    case "text":
      return <p className="max-h-80 overflow-auto break-words whitespace-pre-wrap">{part.text}</p>;
    case "toolCall":
      return (
        <div data-testid="chat-tool-call">
          <p className="font-medium">
            Calls tool <span className="font-mono">{part.name}</span>
            {part.id && <span className="font-normal text-slate-500 dark:text-slate-400"> ({part.id})</span>}
          </p>
          {part.input && <pre className={`${block} max-h-60`}>{part.input}</pre>}
        </div>
      );
    case "toolResult":
      return (
        <div data-testid="chat-tool-result">
          <p className={`font-medium ${part.isError ? "text-red-700 dark:text-red-400" : ""}`}>
            {part.isError ? "Tool error" : "Tool result"}
            {part.id && <span className="font-normal text-slate-500 dark:text-slate-400"> (for {part.id})</span>}
          </p>
          <pre className={`${block} max-h-60`}>{part.content}</pre>
        </div>
      );
    case "other":
      return (
        <div>
          <p className="font-medium">{part.label}</p>
          <pre className={`${block} max-h-40`}>{part.content}</pre>
        </div>
      );
  }
}

/** A chat the way Langfuse shows it: one block per message, its role above, tool calls and results named. */
function ChatView({ messages, labelledBy }: { messages: ChatMessage[]; labelledBy: string }) {
  return (
    <ol aria-labelledby={labelledBy} className="space-y-2" data-testid="chat-view">
      {messages.map((message, index) => (
        <li
          key={index}
          data-role={message.role}
          className={`rounded-md border-l-4 bg-white p-2 dark:bg-slate-900 ${ROLE_STYLES[message.role] ?? "border-slate-300"}`}
        >
          <p className="text-[11px] font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
            {message.role}
            {message.name && <span className="font-normal normal-case"> · {message.name}</span>}
          </p>
          {message.parts.length === 0 ? (
            <p className="text-slate-500 italic dark:text-slate-400">(empty)</p>
          ) : (
            <div className="space-y-1">
              {message.parts.map((part, partIndex) => (
                <PartView key={partIndex} part={part} />
              ))}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

/** An input, output or metadata value: a chat as messages, other JSON pretty-printed, folded when long, always plain text. */
export function PayloadView({ label, raw }: { label: string; raw: string | null | undefined }) {
  const [expanded, setExpanded] = useState(false);
  const [showRaw, setShowRaw] = useState(false);
  const id = useId();
  const formatted = useMemo(() => (raw ? formatPayload(raw) : null), [raw]);
  const folded = useMemo(() => (formatted ? foldText(formatted.text) : null), [formatted]);
  const chat = useMemo(() => (raw && formatted?.isJson ? parseChatPayload(raw) : null), [raw, formatted]);
  if (!formatted || !folded) {
    return (
      <div className="text-xs">
        <span className="font-medium">{label}:</span> <span className="text-slate-500 dark:text-slate-400">none</span>
      </div>
    );
  }
  return (
    <div className="text-xs">
      <div className="mb-1 flex items-center gap-2">
        <span className="font-medium" id={id}>
          {label}
        </span>
        {chat ? (
          <>
            <span className="rounded bg-slate-200 px-1 text-[10px] dark:bg-slate-700">
              Chat · {formatInteger(chat.length)} {chat.length === 1 ? "message" : "messages"}
            </span>
            <button
              type="button"
              aria-pressed={showRaw}
              onClick={() => setShowRaw((value) => !value)}
              className="ml-auto text-indigo-700 underline dark:text-indigo-300"
            >
              Raw JSON
            </button>
          </>
        ) : (
          formatted.isJson && <span className="rounded bg-slate-200 px-1 text-[10px] dark:bg-slate-700">JSON</span>
        )}
      </div>
      {chat !== null && !showRaw ? (
        <ChatView messages={chat} labelledBy={id} />
      ) : (
        <>
          <pre
            aria-labelledby={id}
            className="max-h-[32rem] overflow-auto rounded-md bg-slate-100 p-2 font-mono text-xs break-words whitespace-pre-wrap dark:bg-slate-800"
          >
            {expanded ? formatted.text : folded.shown}
            {!expanded && folded.folded && "…"}
          </pre>
          {folded.folded && (
            <button
              type="button"
              onClick={() => setExpanded((value) => !value)}
              className="mt-1 text-indigo-700 underline dark:text-indigo-300"
            >
              {expanded
                ? "Fold"
                : `Show all (${formatInteger(folded.totalLines)} lines, ${formatInteger(folded.totalChars)} characters)`}
            </button>
          )}
        </>
      )}
    </div>
  );
}

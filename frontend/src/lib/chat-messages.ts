// Observation input/output that is a chat: OpenAI-style messages (content as a
// string or as content parts, tool_calls, role "tool" answers) or
// Anthropic-style ones (a `system` beside `messages`, content blocks with
// tool_use and tool_result). Everything else is not a chat and is shown as JSON.
// The text stays text: it is untrusted and never rendered as HTML or fetched.

export type ChatPart =
  | { kind: "text"; text: string }
  | { kind: "toolCall"; name: string; id: string | null; input: string }
  | { kind: "toolResult"; id: string | null; content: string; isError: boolean }
  | { kind: "other"; label: string; content: string };

export interface ChatMessage {
  role: string;
  name: string | null;
  parts: ChatPart[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Tool arguments arrive as JSON text (OpenAI) or as an object (Anthropic); both read best pretty-printed. */
function prettyJson(value: unknown): string {
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** A tool result's content: a string, or text blocks joined, or JSON. */
function plainText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content) && content.every((block) => isRecord(block) && typeof block.text === "string")) {
    return content.map((block) => (block as { text: string }).text).join("\n");
  }
  return prettyJson(content);
}

const TEXT_TYPES = new Set(["text", "input_text", "output_text"]);

function contentPart(block: unknown): ChatPart {
  if (typeof block === "string") return { kind: "text", text: block };
  if (!isRecord(block)) return { kind: "other", label: "Part", content: prettyJson(block) };
  const type = text(block.type) ?? "";
  if (TEXT_TYPES.has(type) && typeof block.text === "string") return { kind: "text", text: block.text };
  if (type === "tool_use") {
    return { kind: "toolCall", name: text(block.name) ?? "tool", id: text(block.id), input: prettyJson(block.input) };
  }
  if (type === "tool_result") {
    return {
      kind: "toolResult",
      id: text(block.tool_use_id),
      content: plainText(block.content),
      isError: block.is_error === true,
    };
  }
  if (type === "image_url" && isRecord(block.image_url)) {
    // Named, never loaded: a URL from a payload is not fetched by the dashboard.
    return { kind: "other", label: "Image", content: text(block.image_url.url) ?? "" };
  }
  return { kind: "other", label: type || "Part", content: prettyJson(block) };
}

function contentParts(content: unknown): ChatPart[] {
  if (content === null || content === undefined || content === "") return [];
  if (typeof content === "string") return [{ kind: "text", text: content }];
  if (Array.isArray(content)) return content.map(contentPart);
  return [contentPart(content)];
}

function toolCalls(message: Json): ChatPart[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const legacy = isRecord(message.function_call) ? [{ function: message.function_call }] : [];
  return [...calls, ...legacy].map((call: unknown): ChatPart => {
    const fn: Json = isRecord(call) && isRecord(call.function) ? call.function : {};
    return {
      kind: "toolCall",
      name: text(fn.name) ?? "tool",
      id: isRecord(call) ? text(call.id) : null,
      input: prettyJson(fn.arguments),
    };
  });
}

function toMessage(value: unknown): ChatMessage | null {
  if (!isRecord(value) || typeof value.role !== "string") return null;
  // A role alone does not make a message: it needs something said or a tool called.
  if (!("content" in value) && !("tool_calls" in value) && !("function_call" in value)) return null;
  let parts = contentParts(value.content);
  if (value.role === "tool" && typeof value.tool_call_id === "string") {
    // An OpenAI tool answer: the whole content is the result of that call.
    parts = [{ kind: "toolResult", id: value.tool_call_id, content: plainText(value.content ?? ""), isError: false }];
  }
  return { role: value.role, name: text(value.name), parts: [...parts, ...toolCalls(value)] };
}

function messageList(values: unknown[]): ChatMessage[] | null {
  if (values.length === 0) return null;
  const messages = values.map(toMessage);
  return messages.every((message) => message !== null) ? (messages as ChatMessage[]) : null;
}

/** The messages of a chat payload, or null when the value is not one. */
export function chatMessages(value: unknown): ChatMessage[] | null {
  if (Array.isArray(value)) return messageList(value);
  if (!isRecord(value)) return null;
  if (typeof value.role === "string") {
    const message = toMessage(value);
    return message ? [message] : null;
  }
  if (Array.isArray(value.messages)) {
    const messages = messageList(value.messages);
    if (!messages) return null;
    const system = contentParts(value.system);
    return system.length > 0 ? [{ role: "system", name: null, parts: system }, ...messages] : messages;
  }
  // A whole chat completion response: the message of each choice.
  if (Array.isArray(value.choices)) {
    return messageList(value.choices.map((choice: unknown) => (isRecord(choice) ? choice.message : null)));
  }
  return null;
}

/** `chatMessages` of a raw payload string; null when it is not JSON or not a chat. */
export function parseChatPayload(raw: string): ChatMessage[] | null {
  try {
    return chatMessages(JSON.parse(raw.trim()));
  } catch {
    return null;
  }
}

import { describe, expect, it } from "vitest";
import { chatMessages, parseChatPayload } from "./chat-messages";

describe("OpenAI-style messages", () => {
  it("reads roles and string content, as the Cupid game logs them", () => {
    const input = [
      { role: "system", content: "You are matchmaker, playing a round of Cupid." },
      { role: "user", content: "Rank the candidates for player-22" },
    ];
    expect(chatMessages(input)).toEqual([
      { role: "system", name: null, parts: [{ kind: "text", text: "You are matchmaker, playing a round of Cupid." }] },
      { role: "user", name: null, parts: [{ kind: "text", text: "Rank the candidates for player-22" }] },
    ]);
  });

  it("reads content-part arrays, names an image without loading it", () => {
    const [message] = chatMessages({
      role: "user",
      name: "player-22",
      content: [
        { type: "text", text: "Who fits me?" },
        { type: "image_url", image_url: { url: "https://example.test/me.png" } },
      ],
    })!;
    expect(message).toEqual({
      role: "user",
      name: "player-22",
      parts: [
        { kind: "text", text: "Who fits me?" },
        { kind: "other", label: "Image", content: "https://example.test/me.png" },
      ],
    });
  });

  it("reads an assistant's tool calls with their JSON arguments pretty-printed, and the tool's answer", () => {
    const messages = chatMessages([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "lookup_profile", arguments: '{"player":"p-22"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "p-22 likes chess" },
    ]);
    expect(messages).toEqual([
      {
        role: "assistant",
        name: null,
        parts: [{ kind: "toolCall", name: "lookup_profile", id: "call_1", input: '{\n  "player": "p-22"\n}' }],
      },
      {
        role: "tool",
        name: null,
        parts: [{ kind: "toolResult", id: "call_1", content: "p-22 likes chess", isError: false }],
      },
    ]);
  });

  it("reads the message of each choice of a whole completion response", () => {
    const messages = chatMessages({ choices: [{ index: 0, message: { role: "assistant", content: "Candidate 3." } }] });
    expect(messages).toEqual([{ role: "assistant", name: null, parts: [{ kind: "text", text: "Candidate 3." }] }]);
  });
});

describe("Anthropic-style messages", () => {
  it("puts the system prompt first and reads text, tool_use and tool_result blocks", () => {
    const messages = chatMessages({
      system: "You are referee.",
      messages: [
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "score_date", input: { date: 7 } },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [{ type: "text", text: "no such date" }],
              is_error: true,
            },
          ],
        },
      ],
    });
    expect(messages).toEqual([
      { role: "system", name: null, parts: [{ kind: "text", text: "You are referee." }] },
      {
        role: "assistant",
        name: null,
        parts: [
          { kind: "text", text: "Checking." },
          { kind: "toolCall", name: "score_date", id: "toolu_1", input: '{\n  "date": 7\n}' },
        ],
      },
      {
        role: "user",
        name: null,
        parts: [{ kind: "toolResult", id: "toolu_1", content: "no such date", isError: true }],
      },
    ]);
  });

  it("reads a response message with its content blocks", () => {
    const messages = chatMessages({ type: "message", role: "assistant", content: [{ type: "text", text: "Yes." }] });
    expect(messages).toEqual([{ role: "assistant", name: null, parts: [{ kind: "text", text: "Yes." }] }]);
  });
});

describe("payloads that are not a chat", () => {
  it.each([
    ["an object without messages", '{"reply": "Here is a long answer.", "candidates": []}'],
    ["a plain string", "player-22 likes chess"],
    ["a JSON string", '"player-22 likes chess"'],
    ["a number", "42"],
    ["an empty list", "[]"],
    ["a list with one non-message", '[{"role": "user", "content": "hi"}, {"player": "p-1"}]'],
    ["a role without anything said", '{"role": "admin", "user": "p-1"}'],
    ["broken JSON", '[{"role": "user", "content": '],
    ["markup", "<script>alert(1)</script>"],
  ])("%s is not a chat", (_name, raw) => {
    expect(parseChatPayload(raw)).toBeNull();
  });
});

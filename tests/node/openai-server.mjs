// A minimal OpenAI-compatible /v1/chat/completions server over node-llama-cpp (prebuilt llama.cpp
// binaries from npm, no compile). Fallback runtime for the local-model test and eval when
// llama.cpp's own llama-server is not built (see docs/llm.md). Real model, real tokenizer and
// chat template; response_format json_schema becomes a llama.cpp grammar. One request at a time.
// Usage: node openai-server.mjs MODEL.gguf PORT ALIAS
import http from "node:http";
import { getLlama, LlamaChatSession, TokenMeter } from "node-llama-cpp";

const [modelPath, port = "8080", alias = "local-model"] = process.argv.slice(2);
const t0 = Date.now();
const llama = await getLlama({ gpu: false, build: "never" });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 8192, threads: Number(process.env.THREADS || 1) });
const sequence = context.getSequence();
const loadMs = Date.now() - t0;
let queue = Promise.resolve();

async function complete(body) {
  const msgs = body.messages || [];
  const system = msgs.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const turns = msgs.filter((m) => m.role !== "system");
  const last = turns.pop();
  if (!last || last.role !== "user") throw new Error("the last message must be the user's");
  const history = [{ type: "system", text: system }];
  for (const m of turns) {
    history.push(m.role === "user" ? { type: "user", text: m.content } : { type: "model", response: [m.content] });
  }
  await sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
  session.setChatHistory(history);
  const schema = body.response_format?.json_schema?.schema;
  const grammar = schema ? await llama.createGrammarForJsonSchema(schema) : undefined;
  const before = sequence.tokenMeter.getState();
  const started = Date.now();
  const meta = await session.promptWithMeta(last.content, {
    grammar,
    maxTokens: body.max_tokens || 1024,
    temperature: body.temperature ?? 0,
  });
  const ms = Date.now() - started;
  const used = TokenMeter.diff(sequence.tokenMeter, before);
  session.dispose({ disposeSequence: false });
  return {
    id: `chatcmpl-${Date.now()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: alias,
    choices: [{
      index: 0,
      message: { role: "assistant", content: meta.responseText },
      finish_reason: meta.stopReason === "maxTokens" ? "length" : "stop",
    }],
    usage: {
      prompt_tokens: used.usedInputTokens,
      completion_tokens: used.usedOutputTokens,
      total_tokens: used.usedInputTokens + used.usedOutputTokens,
    },
    timings: { total_ms: ms, model_load_ms: loadMs, runtime: "node-llama-cpp" },
  };
}

http.createServer((req, res) => {
  const send = (status, obj) => {
    const text = JSON.stringify(obj);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.method === "GET" && req.url === "/health") return send(200, { status: "ok", load_ms: loadMs });
  if (req.method !== "POST" || !req.url.startsWith("/v1/chat/completions")) return send(404, { error: { message: "no route" } });
  let raw = "";
  req.on("data", (c) => (raw += c));
  req.on("end", () => {
    queue = queue.then(async () => {
      try {
        send(200, await complete(JSON.parse(raw || "{}")));
      } catch (err) {
        send(500, { error: { message: String(err?.message || err), type: "server_error" } });
      }
    });
  });
}).listen(Number(port), "127.0.0.1", () => console.log(`ready on 127.0.0.1:${port} (${alias}, load ${loadMs} ms)`));

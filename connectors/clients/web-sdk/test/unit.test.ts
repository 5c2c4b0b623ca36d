// The client's own logic, without a server: the outbox survives a reload and flushes in order
// with the original times, a 401 asks for a new token once, a conflict goes to the callback.
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { createClient, memoryStore, ThreadlineError, type PendingEvent } from "../src/index.js";
import { uuid } from "../src/client.js";
import { fileStore } from "../src/node.js";

interface Call {
  query: string;
  variables: Record<string, any>;
  authorization: string | undefined;
}

/** A fake /graphql: `answer` decides each response; every request is recorded. */
function fakeServer(answer: (call: Call, index: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const headers = init.headers as Record<string, string>;
    const call = {
      query: body.query,
      variables: body.variables,
      authorization: headers.authorization,
    };
    calls.push(call);
    return answer(call, calls.length - 1);
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function stored(call: Call, seq: number): Response {
  const event = call.variables.event;
  return json({
    data: {
      ingestEvents: {
        accepted: 1,
        duplicates: 0,
        results: [
          {
            eventId: event.eventId,
            sessionId: "ses_1",
            messageId: `msg_${seq}`,
            seq,
            duplicate: false,
          },
        ],
      },
    },
  });
}

test("messages sent offline are kept, survive a reload, and flush in order with their times", async () => {
  const store = memoryStore();
  let online = false;
  const server = fakeServer((call, index) => {
    if (!online) throw new TypeError("fetch failed");
    return stored(call, index);
  });
  const options = {
    url: "http://x/graphql",
    channel: "web",
    externalUserId: "u1",
    token: "t",
    store,
    fetch: server.fetchImpl,
    retryMs: 0,
  };
  const before = createClient(options);
  const pendingSeen: PendingEvent[][] = [];
  const first = await before.send("one");
  assert.equal(first.status, "pending");
  await before.send("two");
  await before.send("three");
  const kept = await before.pending();
  assert.deepEqual(
    kept.map((e) => e.text),
    ["one", "two", "three"],
  );
  before.close();

  online = true; // a reload: a new client on the same store
  const after = createClient({ ...options, onPending: (p) => pendingSeen.push(p) });
  const outcome = await after.flush();
  assert.deepEqual(
    outcome.sent.map((s) => s.eventId),
    kept.map((e) => e.eventId),
  );
  const sentEvents = server.calls.filter((c) => c.variables.event).map((c) => c.variables.event);
  const delivered = sentEvents.slice(-3);
  assert.deepEqual(
    delivered.map((e) => e.text),
    ["one", "two", "three"],
  );
  assert.deepEqual(
    delivered.map((e) => e.occurredAt),
    kept.map((e) => e.occurredAt),
  );
  assert.deepEqual(await after.pending(), []);
  assert.deepEqual(pendingSeen.at(-1), []);
  assert.equal(await after.currentSessionId(), "ses_1");
  after.close();
});

test("an event the server refuses for good leaves the outbox and is reported", async () => {
  const server = fakeServer((call) =>
    call.variables.event.text === "bad"
      ? json({ errors: [{ message: "text too long", extensions: { code: "LIMIT_EXCEEDED" } }] })
      : stored(call, 1),
  );
  const failed: string[] = [];
  const client = createClient({
    url: "http://x/graphql",
    channel: "web",
    externalUserId: "u1",
    token: "t",
    store: memoryStore(),
    fetch: server.fetchImpl,
    onFailed: (event, error) => failed.push(`${event.text}:${error.code}`),
  });
  await assert.rejects(client.send("bad"), (e: ThreadlineError) => e.code === "LIMIT_EXCEEDED");
  assert.equal((await client.send("good")).status, "sent");
  assert.deepEqual(failed, ["bad:LIMIT_EXCEEDED"]);
  assert.deepEqual(await client.pending(), []);
});

test("a 401 asks getToken for a fresh token once, then retries", async () => {
  const asked: boolean[] = [];
  const server = fakeServer((call, index) =>
    call.authorization === "Bearer fresh"
      ? stored(call, index)
      : json({ errors: [{ message: "expired", extensions: { code: "UNAUTHENTICATED" } }] }, 401),
  );
  const client = createClient({
    url: "http://x/graphql",
    channel: "web",
    externalUserId: "u1",
    store: memoryStore(),
    fetch: server.fetchImpl,
    getToken: ({ refresh }) => {
      asked.push(refresh);
      return refresh ? "fresh" : "stale";
    },
  });
  assert.equal((await client.send("hi")).status, "sent");
  assert.deepEqual(asked, [false, true]);
  assert.equal((await client.send("again")).status, "sent");
  assert.deepEqual(asked, [false, true]); // the fresh one is kept
});

test("a conflict goes to onConflict, which decides what to write over the current state", async () => {
  const server = fakeServer((call) => {
    if (call.variables.expectedVersion === 3) {
      return json({
        errors: [
          {
            message: "at version 4",
            extensions: { code: "CONFLICT", version: 4, attributes: { cart: ["a"] } },
          },
        ],
      });
    }
    return json({
      data: {
        setSessionAttributes: { id: "ses_1", version: 5, attributes: call.variables.attributes },
      },
    });
  });
  const store = memoryStore();
  await store.set("threadline:web:u1:session", "ses_1");
  const client = createClient({
    url: "http://x/graphql",
    channel: "web",
    externalUserId: "u1",
    token: "t",
    store,
    fetch: server.fetchImpl,
  });
  const result = await client.setAttributes(
    { cart: ["b"] },
    {
      expectedVersion: 3,
      onConflict: ({ version, attributes }) => {
        assert.equal(version, 4);
        return { cart: [...(attributes.cart as string[]), "b"] };
      },
    },
  );
  assert.deepEqual(result, { version: 5, attributes: { cart: ["a", "b"] } });
  assert.equal(server.calls.at(-1)?.variables.expectedVersion, 4);
  await assert.rejects(
    client.setAttributes({ x: 1 }, { expectedVersion: 3 }),
    (e: ThreadlineError) => e.code === "CONFLICT" && e.extensions.version === 4,
  );
});

test("fileStore keeps state in a JSON file (Node)", async () => {
  const path = join(await mkdtemp(join(tmpdir(), "threadline-")), "state", "client.json");
  const store = fileStore(path);
  await Promise.all([store.set("a", 1), store.set("b", { c: [2] })]);
  assert.deepEqual(await fileStore(path).get("b"), { c: [2] });
  await store.delete("a");
  assert.deepEqual(JSON.parse(await readFile(path, "utf8")), { b: { c: [2] } });
});

test("without a valid token what was typed waits in the outbox, it is never dropped", async () => {
  let valid = false;
  const server = fakeServer((call, index) =>
    valid
      ? stored(call, index)
      : json({ errors: [{ message: "expired", extensions: { code: "UNAUTHENTICATED" } }] }, 401),
  );
  const client = createClient({
    url: "http://x/graphql",
    channel: "web",
    externalUserId: "u1",
    store: memoryStore(),
    fetch: server.fetchImpl,
    retryMs: 0,
    getToken: () => "whatever",
  });
  const queued = await client.send("typed while signed out");
  assert.deepEqual(queued, {
    status: "pending",
    eventId: queued.eventId,
    reason: "UNAUTHENTICATED",
  });
  valid = true;
  const outcome = await client.flush();
  assert.deepEqual(
    outcome.sent.map((s) => s.eventId),
    [queued.eventId],
  );
});

test("event ids are v4 UUIDs, also where crypto.randomUUID is missing (React Native)", () => {
  const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(uuid(), pattern);
  const original = globalThis.crypto.randomUUID;
  Object.defineProperty(globalThis.crypto, "randomUUID", { value: undefined, configurable: true });
  try {
    const ids = new Set(Array.from({ length: 1000 }, () => uuid()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, pattern);
  } finally {
    Object.defineProperty(globalThis.crypto, "randomUUID", { value: original, configurable: true });
  }
});

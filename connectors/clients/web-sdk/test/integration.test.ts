// Against a real Threadline (started by tests/test_web_sdk.py with auth on, on the real Neo4j):
// THREADLINE_URL, and connector keys for web and mobile plus an agent key to act as the business.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket, connect } from "node:net";
import { test } from "node:test";

import WebSocket from "ws";

import {
  createClient,
  memoryStore,
  type SessionEvent,
  type ThreadlineClient,
} from "../src/index.js";

const url = process.env.THREADLINE_URL ?? "";
const keys = {
  web: process.env.THREADLINE_WEB_KEY ?? "",
  mobile: process.env.THREADLINE_MOBILE_KEY ?? "",
  agent: process.env.THREADLINE_AGENT_KEY ?? "",
};
const skip = url ? false : "set THREADLINE_URL and keys (tests/test_web_sdk.py does)";

async function graphql(token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

/** What the business's backend does: sign the person in, then ask Threadline for their token. */
async function userToken(channel: "web" | "mobile", externalUserId: string): Promise<string> {
  const data = await graphql(
    keys[channel],
    "mutation($c: String!, $u: String!) { issueUserToken(channel: $c, externalUserId: $u) { token } }",
    { c: channel, u: externalUserId },
  );
  return data.issueUserToken.token;
}

function client(
  channel: "web" | "mobile",
  externalUserId: string,
  extra: object = {},
): ThreadlineClient {
  return createClient({
    url,
    channel,
    externalUserId,
    getToken: () => userToken(channel, externalUserId),
    store: memoryStore(),
    webSocketImpl: WebSocket,
    retryMs: 0,
    ...extra,
  });
}

async function agentSays(sessionId: string, text: string): Promise<void> {
  await graphql(
    keys.agent,
    "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }",
    {
      e: [
        {
          eventId: randomUUID(),
          channel: "web",
          externalUserId: "agent-desk",
          role: "AGENT",
          sessionId,
          text,
        },
      ],
    },
  );
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test(
  "send, and a retried send (a flush after a half-delivered batch) is stored once",
  { skip },
  async () => {
    const person = `sdk-${randomUUID()}`;
    const store = memoryStore();
    const web = client("web", person, { store });
    const sent = await web.send("hello from the SDK", { attributes: { "user.page": "/pricing" } });
    assert.equal(sent.status, "sent");
    assert.ok(sent.status === "sent" && sent.seq === 1 && !sent.duplicate);
    // the answer was lost: the same event is still in the outbox of the reloaded page
    await store.set(`threadline:web:${person}:outbox`, [
      { eventId: sent.eventId, text: "hello from the SDK", occurredAt: new Date().toISOString() },
    ]);
    const reloaded = client("web", person, { store });
    const outcome = await reloaded.flush();
    assert.equal(outcome.sent.length, 1);
    assert.ok(outcome.sent[0]?.duplicate);
    const context = await reloaded.context();
    assert.deepEqual(
      context?.messages.map((m) => m.text),
      ["hello from the SDK"],
    );
    assert.equal(context?.attributes["user.page"], "/pricing");
    web.close();
    reloaded.close();
  },
);

test(
  "context, and the kept copy marked stale while offline; recall; attributes",
  { skip },
  async () => {
    const person = `sdk-${randomUUID()}`;
    const store = memoryStore();
    const web = client("web", person, { store });
    assert.equal(await web.context(), null); // no conversation yet
    await web.send("My order A-1042 arrived damaged");
    const sessionId = (await web.currentSessionId())!;
    await agentSays(sessionId, "Sorry! A replacement is on its way.");
    const context = await web.context();
    assert.equal(context?.stale, false);
    assert.deepEqual(
      context?.messages.map((m) => m.role),
      ["USER", "AGENT"],
    );

    const offline = createClient({
      url,
      channel: "web",
      externalUserId: person,
      token: "unused",
      store,
      fetch: (async () => {
        throw new TypeError("fetch failed");
      }) as unknown as typeof fetch,
    });
    const cached = await offline.context();
    assert.equal(cached?.stale, true);
    assert.deepEqual(
      cached?.messages.map((m) => m.text),
      context?.messages.map((m) => m.text),
    );

    const hits = await web.recall("which order was damaged?");
    assert.equal(hits[0]?.message.text, "My order A-1042 arrived damaged");

    const version = context!.session.version;
    const first = await web.setAttributes({ "user.plan": "gold" }, { expectedVersion: version });
    let conflicts = 0;
    const second = await web.setAttributes(
      { "user.seen": true },
      {
        expectedVersion: version, // stale on purpose
        onConflict: ({ attributes }) => {
          conflicts += 1;
          return { ...attributes, "user.seen": true };
        },
      },
    );
    assert.equal(conflicts, 1);
    assert.equal(second.attributes["user.plan"], "gold");
    assert.equal(second.attributes["user.seen"], true);
    assert.ok(second.version > first.version);
    web.close();
  },
);

/** A TCP relay to the server that can be cut and restored: a network outage for one client. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    this.server = createServer((inbound) => {
      const outbound = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

test(
  "subscribe: a reconnect after an outage loses nothing and doubles nothing",
  { skip },
  async () => {
    const person = `sdk-${randomUUID()}`;
    const relay = new Relay(new URL(url));
    await relay.open();
    const web = client("web", person, { wsUrl: `ws://127.0.0.1:${relay.port}/graphql` });
    await web.send("hi, anyone there?");
    const sessionId = (await web.currentSessionId())!;
    const seen: SessionEvent[] = [];
    const statuses: string[] = [];
    const unsubscribe = await web.subscribe((event) => seen.push(event), {
      onStatus: (status) => statuses.push(status),
    });
    try {
      await until(() => statuses.includes("connected"), "the first connection");
      await new Promise((resolve) => setTimeout(resolve, 300)); // the subscription is registered
      await agentSays(sessionId, "one");
      await until(() => seen.some((e) => e.text === "one"), "a live message");

      await relay.cut(); // the network goes away; the conversation goes on
      await agentSays(sessionId, "two");
      await agentSays(sessionId, "three");
      await relay.open();
      await until(
        () => seen.some((e) => e.text === "three"),
        "the missed messages after reconnecting",
      );
      await agentSays(sessionId, "four");
      await until(() => seen.some((e) => e.text === "four"), "a live message after reconnecting");
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the second catch-up has run

      const messages = seen.filter((e) => e.kind === "MESSAGE");
      assert.deepEqual(
        messages.map((e) => e.text),
        ["one", "two", "three", "four"],
      );
      assert.deepEqual(
        messages.map((e) => e.seq),
        [2, 3, 4, 5],
      );
      assert.ok(statuses.filter((s) => s === "connected").length >= 2, statuses.join());
    } finally {
      unsubscribe();
      web.close();
      await relay.cut();
    }
  },
);

test(
  "continueInApp on the web, resume in the app with the conversation pre-loaded",
  { skip },
  async () => {
    const visitor = `sdk-web-${randomUUID()}`;
    const appUser = `sdk-app-${randomUUID()}`;
    const web = client("web", visitor, {
      continueUrl: "https://app.example.com/continue?t={token}",
    });
    await web.send("I want to change my delivery address");
    const handed = await web.continueInApp({ ttlSeconds: 300 });
    assert.equal(
      handed.link,
      `https://app.example.com/continue?t=${encodeURIComponent(handed.token)}`,
    );
    assert.equal(handed.qrPayload, handed.link);

    const app = client("mobile", appUser);
    const context = await app.resume(handed.token);
    assert.equal(context.session.id, handed.sessionId);
    assert.deepEqual(
      context.messages.map((m) => m.text),
      ["I want to change my delivery address"],
    );
    assert.equal(await app.currentSessionId(), handed.sessionId);
    const sent = await app.send("New address: 5 Main St");
    assert.ok(sent.status === "sent" && sent.sessionId === handed.sessionId);
    const both = await web.context();
    assert.deepEqual(
      both?.messages.map((m) => m.channel),
      ["web", "mobile"],
    );
    web.close();
    app.close();
  },
);

test("an expired token is refreshed through getToken on 401, once", { skip }, async () => {
  const person = `sdk-${randomUUID()}`;
  const asked: boolean[] = [];
  const web = createClient({
    url,
    channel: "web",
    externalUserId: person,
    store: memoryStore(),
    getToken: async ({ refresh }) => {
      asked.push(refresh);
      return refresh ? userToken("web", person) : "expired.jwt.token";
    },
  });
  const sent = await web.send("still here");
  assert.equal(sent.status, "sent");
  assert.deepEqual(asked, [false, true]);
  web.close();
});

test(
  "after a close, the live feed follows the person into their next session",
  { skip },
  async () => {
    const person = `sdk-${randomUUID()}`;
    const web = client("web", person, { followEveryMs: 300 });
    await web.send("first visit");
    const first = (await web.currentSessionId())!;
    const seen: SessionEvent[] = [];
    const statuses: string[] = [];
    const unsubscribe = await web.subscribe((event) => seen.push(event), {
      onStatus: (status) => statuses.push(status),
    });
    try {
      await until(() => statuses.includes("connected"), "the first connection");
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the connection's catch-ups ran
      await graphql(keys.agent, "mutation($s: ID!) { closeSession(sessionId: $s) { id } }", {
        s: first,
      });
      await until(() => seen.some((e) => e.kind === "STATUS" && e.status === "CLOSED"), "CLOSED");
      // the person comes back (here through the agent desk, as their own identity)
      const back = {
        eventId: randomUUID(),
        channel: "web",
        externalUserId: person,
        text: "back again",
      };
      await graphql(
        keys.agent,
        "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }",
        {
          e: [back],
        },
      );
      await until(() => seen.some((e) => e.text === "back again"), "the next session's message");
      const next = seen.find((e) => e.text === "back again")!;
      assert.notEqual(next.sessionId, first);
      assert.equal(await web.currentSessionId(), next.sessionId);
    } finally {
      unsubscribe();
      web.close();
    }
  },
);

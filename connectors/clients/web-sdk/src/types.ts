/** What the SDK returns: the shapes of the operations in operations/*.graphql. */

export type Role = "USER" | "BOT" | "AGENT" | "SYSTEM";
export type Attributes = Record<string, unknown>;

export interface Message {
  id: string;
  /** The session's running number of the message: orders messages across channels. */
  seq: number;
  channel: string;
  role: Role;
  text: string | null;
  /** ISO 8601, when it was said. */
  at: string;
  agentId: string | null;
  /** A reply sent through its platform: QUEUED, SENT, DELIVERED, READ or FAILED. */
  delivery: { status: string } | null;
}

export interface Session {
  id: string;
  status: "ACTIVE" | "IDLE" | "CLOSED" | string;
  channels: string[];
  seq: number;
  version: number;
}

export interface Context {
  session: Session;
  /** The last messages from every channel, oldest first. */
  messages: Message[];
  attributes: Attributes;
  /** A copy kept from an earlier read, served because the server could not be reached. */
  stale: boolean;
  /** ISO 8601: when this was read from the server. */
  fetchedAt: string;
}

export interface RecallHit {
  score: number;
  /** Why it matched: keyword, entity:<KEY>, date, vector, neighbour, recent. */
  signals: string[];
  message: Omit<Message, "agentId" | "delivery">;
}

export interface SendOptions {
  attributes?: Attributes;
  metadata?: Record<string, unknown>;
  /** Your own id for the message (default: a new UUID); a resend with it is stored once. */
  eventId?: string;
}

/** A message (or attributes-only event) the client keeps until the server has stored it. */
export interface PendingEvent {
  eventId: string;
  text: string | null;
  attributes?: Attributes;
  metadata?: Record<string, unknown>;
  /** ISO 8601: when the person sent it (kept through a flush hours later). */
  occurredAt: string;
}

export interface Sent {
  status: "sent";
  eventId: string;
  sessionId: string;
  messageId: string | null;
  seq: number | null;
  /** The server had it already (a retry after a lost answer). */
  duplicate: boolean;
}

export interface Queued {
  status: "pending";
  eventId: string;
  /** Why it is waiting (OFFLINE, UNAVAILABLE...). */
  reason: string;
}

export type SendResult = Sent | Queued;

export type SessionEventKind =
  "MESSAGE" | "EVENT" | "ATTRIBUTES" | "HANDOFF" | "STATUS" | "MERGE" | "UNMERGE";

export interface SessionEvent {
  kind: SessionEventKind;
  at: string;
  sessionId: string | null;
  channel: string | null;
  role: Role | null;
  messageId: string | null;
  seq: number | null;
  text: string | null;
  attributes: Attributes;
  agentId: string | null;
  status: string | null;
}

export interface Continuation {
  token: string;
  sessionId: string;
  expiresAt: string;
  /** `continueUrl` with the token in it (the token itself without a `continueUrl`). */
  link: string;
  /** What to encode in a QR code: the link. */
  qrPayload: string;
}

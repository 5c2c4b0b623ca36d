export { createClient, ThreadlineClient } from "./client.js";
export type { AttributeOptions, ClientOptions, FlushOutcome, SubscribeOptions } from "./client.js";
export { OfflineError, ThreadlineError } from "./errors.js";
export type { LiveStatus } from "./live.js";
export { defaultStore, indexedDbStore, memoryStore } from "./store.js";
export type { KeyValueStore } from "./store.js";
export type { GetToken } from "./transport.js";
export type * from "./types.js";

// Storage for oidc-provider: one map of every model's entries, kept in
// memory and, when a data file is given, written to that JSON file after
// each burst of changes and on shutdown, so a restarted server keeps its
// clients and tokens.
//
// The adapter contract (upsert, find, findByUid, findByUserCode, consume,
// destroy, revokeByGrantId) is the one oidc-provider documents for its
// `adapter` configuration option.

import fs from 'node:fs';
import path from 'node:path';

const FILE_VERSION = 1;
const SAVE_DELAY_MS = 25;

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** Store holds entries keyed "Model:id" as { payload, expiresAt (ms) }. */
export class Store {
  /** @param {string} [dataFile] JSON file to load from and save to. */
  constructor(dataFile) {
    this.dataFile = dataFile || '';
    this.entries = new Map();
    this.extra = {};
    if (this.dataFile && fs.existsSync(this.dataFile)) {
      const saved = JSON.parse(fs.readFileSync(this.dataFile, 'utf8'));
      if (saved.version !== FILE_VERSION) {
        throw new Error(`data file ${this.dataFile} has version ${saved.version}, want ${FILE_VERSION}`);
      }
      this.entries = new Map(saved.entries);
      this.extra = saved.extra || {};
    }
  }

  /** get returns the live entry for key, dropping it when expired. */
  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key, payload, expiresIn) {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : 0;
    this.entries.set(key, { payload: structuredClone(payload), expiresAt });
    this.save();
  }

  delete(key) {
    if (this.entries.delete(key)) this.save();
  }

  /** deleteWhere removes every entry whose payload matches and says how many went. */
  deleteWhere(match) {
    let n = 0;
    for (const [key, entry] of this.entries) {
      if (match(entry.payload, key)) {
        this.entries.delete(key);
        n += 1;
      }
    }
    if (n) this.save();
    return n;
  }

  /** list returns the live payloads of one model. */
  list(model) {
    const prefix = `${model}:`;
    const out = [];
    for (const key of this.entries.keys()) {
      if (!key.startsWith(prefix)) continue;
      const entry = this.get(key);
      if (entry) out.push(entry.payload);
    }
    return out;
  }

  /**
   * save schedules a write of the data file; writes coalesce for SAVE_DELAY_MS
   * so a burst of requests costs one write. No-op in memory.
   */
  save() {
    if (!this.dataFile || this.timer) return;
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  /** flush writes the live entries to the data file now, atomically. */
  flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dataFile) return;
    const now = Date.now();
    const entries = [...this.entries].filter(([, e]) => !e.expiresAt || e.expiresAt > now);
    const tmp = path.join(path.dirname(this.dataFile), `.${path.basename(this.dataFile)}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify({ version: FILE_VERSION, entries, extra: this.extra }), { mode: 0o600 });
    fs.renameSync(tmp, this.dataFile);
  }

  /** adapterFactory returns the function oidc-provider calls with a model name. */
  adapterFactory() {
    return (model) => new Adapter(this, model);
  }
}

/** Adapter is one model's view of the store, as oidc-provider expects it. */
class Adapter {
  constructor(store, model) {
    this.store = store;
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    this.store.set(this.key(id), payload, expiresIn);
  }

  async find(id) {
    const entry = this.store.get(this.key(id));
    return entry && structuredClone(entry.payload);
  }

  async findByUid(uid) {
    return this.store.list(this.model).find((p) => p.uid === uid);
  }

  async findByUserCode(userCode) {
    return this.store.list(this.model).find((p) => p.userCode === userCode);
  }

  async consume(id) {
    const entry = this.store.get(this.key(id));
    if (!entry) return;
    entry.payload.consumed = nowSeconds();
    this.store.save();
  }

  async destroy(id) {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    this.store.deleteWhere((p) => p.grantId === grantId);
  }
}

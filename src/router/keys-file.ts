// Local mode's key store: the `--keys-file` JSON, re-read whenever the file changes (checked with
// one stat per request, so an added or removed key counts from the next request on).
import { promises as fs, readFileSync, statSync } from "fs";
import { ApiKey, KeyStore, KeysUnavailableError, parseKeyList } from "./auth";

export class FileKeyStore implements KeyStore {
  readonly howToAdd: string;
  private stamp = "";
  private cached: readonly ApiKey[] = [];

  /** Reads the file once now, so a missing or broken file stops the start-up with its message. */
  constructor(private readonly path: string) {
    this.howToAdd = `add one with: npm run keys -- add NAME --keys-file ${path}`;
    const st = statSync(path);
    this.cached = parseKeyList(readFileSync(path, "utf8"), path);
    this.stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  async keys(): Promise<readonly ApiKey[]> {
    let stamp: string;
    try {
      const st = await fs.stat(this.path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (stamp === this.stamp) return this.cached;
      const text = await fs.readFile(this.path, "utf8");
      this.cached = parseKeyList(text, this.path);
    } catch (err) {
      throw new KeysUnavailableError(`the keys file could not be read: ${(err as Error).message}`);
    }
    this.stamp = stamp;
    return this.cached;
  }
}

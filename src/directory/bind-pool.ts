/**
 * A small pool of connections for user binds. A connection carries one bind at a time: RFC 4511
 * §4.2.1 forbids other operations while a bind is in progress, and a bind changes the
 * connection's identity. Connections that died are dropped, never handed out.
 */
export interface Poolable {
  readonly alive: boolean;
  destroy(): void;
}

export class BindPool<C extends Poolable> {
  private readonly idle: C[] = [];
  private readonly waiters: Array<(c: C | null) => void> = [];
  private total = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly open: () => Promise<C | Error>,
  ) {}

  /** A live connection, a new one, or the next one released; null after `waitMs` or close. */
  async acquire(waitMs: number): Promise<C | Error | null> {
    if (this.closed) return null;
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.alive) return c;
      this.drop(c);
    }
    if (this.total < this.size) {
      this.total++;
      const c = await this.open();
      if (c instanceof Error) this.total--;
      return c;
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(handoff);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      }, waitMs);
      const handoff = (c: C | null): void => {
        clearTimeout(timer);
        resolve(c);
      };
      this.waiters.push(handoff);
    });
  }

  /** Returns a connection; a dead one frees its slot so a waiter may open a fresh one. */
  release(c: C): void {
    if (this.closed || !c.alive) {
      this.drop(c);
      const next = this.waiters.shift();
      if (next) {
        // The waiter gets a fresh connection instead of the dead one.
        this.total++;
        void this.open().then((fresh) => {
          if (fresh instanceof Error) {
            this.total--;
            next(null);
          } else next(fresh);
        });
      }
      return;
    }
    const next = this.waiters.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) this.drop(c);
    for (const w of this.waiters.splice(0)) w(null);
  }

  private drop(c: C): void {
    this.total--;
    c.destroy();
  }
}

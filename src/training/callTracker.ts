/** Counts calls in flight on a native handle, which may not be freed under them. */
export class CallTracker {
  private count = 0;

  get inFlight(): number {
    return this.count;
  }

  async track<T>(call: Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await call;
    } finally {
      this.count -= 1;
    }
  }
}

// A poll loop's pause that stop() can cut short, so a source stops at once instead of after its interval.
export class InterruptibleSleep {
  private wakeUp: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the current sleep now (no-op when not sleeping). */
  wake(): void {
    this.wakeUp?.();
  }
}

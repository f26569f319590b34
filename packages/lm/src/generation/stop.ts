// Stop strings over streamed text: text that could still become a stop string is held back.
export class StopStringMatcher {
  private held = '';
  constructor(private readonly stops: readonly string[]) {}
  /** Feeds new text; returns the text safe to emit and whether a stop string completed. */
  push(text: string): { text: string; stopped: boolean } {
    const buf = this.held + text;
    let cut = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) { this.held = ''; return { text: buf.slice(0, cut), stopped: true }; }
    let hold = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, buf.length); n > hold; n--) {
        if (buf.endsWith(s.slice(0, n))) { hold = n; break; }
      }
    }
    this.held = buf.slice(buf.length - hold);
    return { text: buf.slice(0, buf.length - hold), stopped: false };
  }
  /** Text held back at the end of generation (no stop string completed). */
  flush(): string { const t = this.held; this.held = ''; return t; }
}

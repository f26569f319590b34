// Stop strings over streamed text: text that could still become a stop string is held back until it can't.
export class StopMatcher {
  private held = '';
  constructor(private readonly stops: readonly string[]) {}

  /** Feeds new text; returns the text safe to emit and whether a stop string was hit (text after it is dropped). */
  push(text: string): { emit: string; stopped: boolean } {
    const buf = this.held + text;
    if (!this.stops.length) { this.held = ''; return { emit: buf, stopped: false }; }
    let cut = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) { this.held = ''; return { emit: buf.slice(0, cut), stopped: true }; }
    // Hold back the longest suffix that is a proper prefix of some stop string.
    let keep = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, buf.length); k > keep; k--) {
        if (buf.endsWith(s.slice(0, k))) { keep = k; break; }
      }
    }
    this.held = buf.slice(buf.length - keep);
    return { emit: buf.slice(0, buf.length - keep), stopped: false };
  }

  flush(): string { const h = this.held; this.held = ''; return h; }
}

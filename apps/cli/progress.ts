/**
 * A progress bar on stderr. On a terminal it redraws one line; otherwise (CI logs, pipes) it
 * prints a line every 10% so logs stay short.
 */
export function createProgressBar(label: string, enabled = true) {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  const started = Date.now();
  return {
    update(fraction: number, detail: string) {
      if (!enabled) return;
      const f = Math.max(0, Math.min(1, fraction));
      if (tty) {
        const width = 30;
        const filled = Math.round(f * width);
        process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}   `);
      } else {
        const decile = Math.floor(f * 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          process.stderr.write(`${label} ${(f * 100).toFixed(0)}% ${detail}\n`);
        }
      }
    },
    done(detail: string) {
      if (!enabled) return;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(`${tty ? '\r' : ''}${label} done in ${secs}s: ${detail}${tty ? ' '.repeat(20) : ''}\n`);
    },
  };
}

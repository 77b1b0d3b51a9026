// One benchmark figure, as DESIGN.md specifies: {name, value, unit, ceiling, ratio}, the
// ceiling measured in the same run.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  ceiling: number;
  ratio: number;
}

export function figure(name: string, value: number, unit: string, ceiling: number): Figure {
  const round = (n: number) => Number(n.toPrecision(4));
  return { name, value: round(value), unit, ceiling: round(ceiling), ratio: round(value / ceiling) };
}

/**
 * Samples the resident set size until stopped; returns how far its peak rose above where it
 * started (the memory the measured work itself needed), in bytes.
 */
export function rssGrowth(intervalMs = 10): { stop(): number } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) - start;
    },
  };
}

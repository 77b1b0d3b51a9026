// Child process for the line reader's memory test: reads FILE with a line limit and prints
// how many lines it saw and how far its peak RSS rose above the RSS it started reading at.
import { readLines } from '../../src/pipeline/line-reader.js';

const [file, limit] = process.argv.slice(2);
const start = process.memoryUsage().rss;
const seen: Array<{ no: number; tooLarge?: number }> = [];
for await (const batch of readLines(file!, { maxLineBytes: Number(limit) })) {
  for (const line of batch) seen.push({ no: line.no, ...(line.tooLarge && { tooLarge: line.tooLarge.bytes }) });
}
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ seen, growthBytes: peak - start }));

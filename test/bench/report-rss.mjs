// Preloaded into a CLI process by the rss benchmark (node --import): at exit, appends the
// process's peak resident set (getrusage's ru_maxrss, as /usr/bin/time reports it) to the file
// named by $ARKIVE_BENCH_RSS_FILE. Only the benchmark sets it.
import fs from 'node:fs';

const file = process.env.ARKIVE_BENCH_RSS_FILE;
if (file) process.on('exit', () => fs.appendFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`));

#!/usr/bin/env node
// arkive is written in TypeScript and so are user pipelines (pipelines/<name>.ts):
// register tsx's loader so both load without a build step, then hand over to the CLI.
import { register } from 'tsx/esm/api';

// `arkive runs | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// The command is done and has closed what it opened. Anything still pending (a library's
// timer or socket, a stage abandoned at its deadline) must not keep the process, its ports
// or its lock alive: exit once stdout and stderr are flushed, and at the latest after 5 s.
const code = process.exitCode;
setTimeout(() => process.exit(code), 5000).unref();
let open = 2;
const flushed = () => { if (--open === 0) process.exit(code); };
process.stdout.write('', flushed);
process.stderr.write('', flushed);

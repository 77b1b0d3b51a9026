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

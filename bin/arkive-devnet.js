#!/usr/bin/env node
// The detached local permaweb server of one home (src/devnet/server-main.ts), started by
// arkive commands on a `local` home when none runs: `arkive-devnet.js <home>/devnet <idleMs>`.
import { register } from 'tsx/esm/api';

register();
const { serverMain } = await import('../src/devnet/server-main.ts');
process.exitCode = await serverMain(process.argv.slice(2));

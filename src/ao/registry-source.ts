// The registry process's Lua source, shipped next to this file.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REGISTRY_LUA = fileURLToPath(new URL('./registry.lua', import.meta.url));

export function registrySource(): string {
  return fs.readFileSync(REGISTRY_LUA, 'utf8');
}

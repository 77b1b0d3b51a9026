// The one place that wires arkive together: configuration in, ready-to-use parts out.
// Commands and tests get their dependencies from here; no other module reads global config.
import { resolveConfig, type Config, type GlobalOptions } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { QuarantineRepo } from './db/quarantine-repo.js';
import { RecordsRepo } from './db/records-repo.js';
import { RunsRepo } from './db/runs-repo.js';
import { PipelineRegistry } from './pipeline/registry.js';

export interface Store {
  database: Database;
  runs: RunsRepo;
  records: RecordsRepo;
  quarantine: QuarantineRepo;
  close(): Promise<void>;
}

export interface System {
  config: Config;
  pipelines: PipelineRegistry;
  /** Opens (creating and migrating on first use) the home's database. */
  openStore(): Promise<Store>;
}

export function createSystem(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): System {
  const config = resolveConfig(options, env);
  return {
    config,
    pipelines: new PipelineRegistry({ cwd: config.cwd }),
    openStore: () => openStore(config),
  };
}

async function openStore(config: Config): Promise<Store> {
  const database = await openDatabase(config.dbFile);
  return {
    database,
    runs: new RunsRepo(database),
    records: new RecordsRepo(database),
    quarantine: new QuarantineRepo(database),
    close: () => database.close(),
  };
}

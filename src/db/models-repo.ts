// Trained model versions: hyperparameters, metrics and checkpoint tensors, kept in the
// database for listing, comparing and warm-starting (the permaweb holds the checkpoint files).
import type { Database } from './database.js';
import { codePointOrder } from './dialect.js';

export interface ModelRecord {
  name: string;
  version: number;
  runId: string;
  trainedOn: string;
  hyperparameters: Record<string, unknown>;
  metrics: Record<string, number>;
  createdAt: string;
}

export interface StoredTensor {
  file: string;
  tensor: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

export class ModelsRepo {
  constructor(private readonly database: Database) {}

  async save(network: string, model: ModelRecord, tensors: StoredTensor[]): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      await trx.insertInto('models').values({
        network, name: model.name, version: model.version, run_id: model.runId, trained_on: model.trainedOn,
        hyperparameters: JSON.stringify(model.hyperparameters), metrics: JSON.stringify(model.metrics), created_at: model.createdAt,
      }).onConflict((oc) => oc.columns(['network', 'name', 'version']).doNothing()).execute();
      for (const t of tensors) {
        await trx.insertInto('model_tensors').values({
          network, name: model.name, version: model.version, file: t.file, tensor: t.tensor, dtype: t.dtype,
          shape: JSON.stringify(t.shape), data: t.data,
        }).onConflict((oc) => oc.columns(['network', 'name', 'version', 'file', 'tensor']).doNothing()).execute();
      }
    });
  }

  async list(network: string, name: string): Promise<ModelRecord[]> {
    const rows = await this.database.db.selectFrom('models').selectAll()
      .where('network', '=', network).where('name', '=', name).orderBy('version').execute();
    return rows.map((r) => ({
      name: r.name, version: r.version, runId: r.run_id, trainedOn: r.trained_on,
      hyperparameters: JSON.parse(r.hyperparameters), metrics: JSON.parse(r.metrics), createdAt: r.created_at,
    }));
  }

  async tensors(network: string, name: string, version: number): Promise<StoredTensor[]> {
    const rows = await this.database.db.selectFrom('model_tensors').selectAll()
      .where('network', '=', network).where('name', '=', name).where('version', '=', version)
      // Code-point order on both dialects: a warm start without a file name takes the first tensor of that name.
      .orderBy(codePointOrder(this.database.dialect, 'file')).orderBy(codePointOrder(this.database.dialect, 'tensor')).execute();
    return rows.map((r) => ({ file: r.file, tensor: r.tensor, dtype: r.dtype, shape: JSON.parse(r.shape), data: r.data }));
  }
}

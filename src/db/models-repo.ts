// Trained model versions: hyperparameters, metrics and checkpoint tensors, kept in the
// database for listing, comparing and warm-starting (the permaweb holds the checkpoint files).
import { isPlainObject, jsonColumn, type RowPlace } from './damaged-row.js';
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
    return rows.map((r) => {
      const place = (column: string) => this.place('models', `model ${name} v${r.version} on ${network}`, column);
      return {
        name: r.name, version: r.version, runId: r.run_id, trainedOn: r.trained_on, createdAt: r.created_at,
        hyperparameters: jsonColumn<Record<string, unknown>>(r.hyperparameters, place('hyperparameters'), object),
        // An object, not only numbers: JSON writes a NaN loss as null.
        metrics: jsonColumn<Record<string, number>>(r.metrics, place('metrics'), object),
      };
    });
  }

  async tensors(network: string, name: string, version: number): Promise<StoredTensor[]> {
    const rows = await this.database.db.selectFrom('model_tensors').selectAll()
      .where('network', '=', network).where('name', '=', name).where('version', '=', version)
      // Code-point order on both dialects: a warm start without a file name takes the first tensor of that name.
      .orderBy(codePointOrder(this.database.dialect, 'file')).orderBy(codePointOrder(this.database.dialect, 'tensor')).execute();
    return rows.map((r) => ({
      file: r.file, tensor: r.tensor, dtype: r.dtype, data: r.data,
      shape: jsonColumn<number[]>(r.shape, this.place('model_tensors', `tensor ${r.tensor} of ${r.file}, model ${name} v${version} on ${network}`, 'shape'), dimensions),
    }));
  }

  private place(table: string, row: string, column: string): RowPlace {
    return {
      where: this.database.where, table, row, column,
      hint: `Repair or delete that ${table} row: the model's release on the permaweb keeps its card and checkpoint.`,
    };
  }
}

const object = (v: unknown) => (isPlainObject(v) ? undefined : 'a JSON object');
const dimensions = (v: unknown) => (Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n >= 0) ? undefined : 'a JSON array of whole dimensions');

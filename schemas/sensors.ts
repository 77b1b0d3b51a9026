// The stored record of the `sensors` dataset: one reading of one sensor, in its metric's
// normalised unit, at a UTC instant of second precision. Each sensor measures one metric,
// so a sensor and an instant identify a reading.
import { z } from 'zod';

export const METRICS = ['temperature', 'pressure', 'humidity'] as const;
export type Metric = (typeof METRICS)[number];

/** The unit every stored value of a metric is in, whatever unit the sensor reported. */
export const UNIT_OF = { temperature: 'C', pressure: 'hPa', humidity: '%' } as const satisfies Record<Metric, string>;

export const SensorReading = z
  .object({
    sensor_id: z.string().regex(/^S\d{2}$/, 'sensor_id must look like S01'),
    // precision 0: whole seconds and a trailing Z, so one instant has exactly one spelling
    // (the key is built from it).
    ts: z.iso.datetime({ precision: 0, message: 'ts must be an ISO UTC timestamp like 2026-03-02T10:05:00Z' }),
    metric: z.enum(METRICS),
    // zod 4 numbers are finite: NaN and ±Infinity are refused.
    value: z.number(),
    unit: z.enum(['C', 'hPa', '%']),
  })
  .refine((r) => r.unit === UNIT_OF[r.metric], {
    message: 'unit must be the normalised unit of the metric (temperature C, pressure hPa, humidity %)',
    path: ['unit'],
  });

export type SensorReading = z.output<typeof SensorReading>;

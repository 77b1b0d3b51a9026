// One benchmark figure, as DESIGN.md specifies: {name, value, unit, ceiling, ratio}, the
// ceiling measured in the same run.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  ceiling: number;
  ratio: number;
}

export function figure(name: string, value: number, unit: string, ceiling: number): Figure {
  const round = (n: number) => Number(n.toPrecision(4));
  return { name, value: round(value), unit, ceiling: round(ceiling), ratio: round(value / ceiling) };
}

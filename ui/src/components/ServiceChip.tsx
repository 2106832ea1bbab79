import { serviceColor } from '../model/colors.js';

/** A service name with its colour swatch; `count` and `errors` add small tallies. */
export function ServiceChip({ service, count, errors }: { service: string; count?: number; errors?: number }) {
  return (
    <span className="chip" title={service}>
      <span className="chip-swatch" style={{ background: serviceColor(service) }} />
      <span className="chip-name">{service}</span>
      {count !== undefined && <span className="chip-count">{count}</span>}
      {errors !== undefined && errors > 0 && <span className="chip-errors">{errors}</span>}
    </span>
  );
}

// Options of the formatters in src/cli/format/. Their input rows are the control protocol's
// data (BridgeInfo, MacRow, FdbRow, LinkRow, StpInfo…), defined in src/control/wire-types.ts.

export interface FdbFormatOptions {
  /** `-s`: add 'used A/B' (text) / "used","updated" (JSON) where the row has them. */
  stats?: boolean;
  /** The listing was filtered by device (`bridge fdb show dev X` / `brport X`): iproute2
   *  then leaves out 'dev X' / "ifname". */
  omitIfname?: boolean;
}

export interface JsonFormatOptions {
  /** `-p` / `--pretty`: iproute2's pretty layout (or 2-space indentation for softbr's own
   *  JSON). */
  pretty?: boolean;
}

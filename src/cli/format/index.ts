// Pure formatters for the CLI: brctl and iproute2 `bridge` table layouts, byte for byte,
// and softbr's JSON forms. No I/O: each function takes the control protocol's rows
// (src/control/wire-types.ts) and returns the complete text to write to stdout, newline-terminated.

export type {
  BridgeInfo,
  FdbRow,
  FdbState,
  LinkRow,
  MacRow,
  PortState,
  StpInfo,
  StpPortInfo,
  VlanRow,
  StormRow,
  MirrorRow,
} from '../../control/wire-types.js';
export type { FdbFormatOptions, JsonFormatOptions } from './types.js';
export {
  formatBrctlShow,
  formatBrctlShowJson,
  formatShowmacs,
  formatShowmacsJson,
  formatShowstp,
  formatShowstpJson,
  type BrctlShowOptions,
} from './brctl.js';
export { formatFdbShow, formatFdbJson } from './fdb.js';
export { formatVlanShow, formatVlanJson } from './vlan.js';
export { formatMirrorShow, formatMirrorJson } from './mirror.js';
export { formatMdbShow, formatMdbJson, type MdbFormatOptions } from './mdb.js';
export { formatLinkShow, formatLinkJson, type LinkFormatOptions } from './link.js';
export { formatImpairLines } from './impair.js';
export {
  bridgeIdString,
  brctlTimerValue,
  compareCNames,
  formatBrctlTimer,
  normalizeBridgeId,
  normalizeMac,
  normalizePortId,
  toCentiseconds,
} from './common.js';
export { formatEvent, type EventLike } from './event.js';
export { formatStormShow, formatStormJson } from './storm.js';

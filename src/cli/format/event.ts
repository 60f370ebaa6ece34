// One-line text form of a monitor event (`softbr monitor`). Events are the daemon's
// BridgeEvent objects (src/bridge/events.ts) as received over the control socket; this
// takes them loosely typed so an unknown or newer event still prints.

/** A monitor event as it arrives in JSON: a type, usually a bridge, and more fields. */
export interface EventLike {
  type: string;
  bridge?: string;
  [key: string]: unknown;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? String(v);
}

function vlan(e: EventLike): string {
  return typeof e['vid'] === 'number' && e['vid'] !== 0 ? ` vlan ${e['vid']}` : '';
}

/**
 * Text for one event, without the trailing newline, prefixed with the bridge name:
 *   'br0: learned 02:00:00:00:00:01 vlan 10 on tap0'
 *   'br0: moved 02:00:00:00:00:01 from tap0 to tap1'
 *   'br0: port tap1 listening -> learning'
 * Unknown types print as 'br0: TYPE key=value …' (keys in the order received, 'time' left out).
 */
export function formatEvent(e: EventLike): string {
  const pre = e.bridge !== undefined ? `${e.bridge}: ` : '';
  const g = (k: string) => str(e[k]);
  switch (e.type) {
    case 'learned':
    case 'aged':
    case 'evicted':
      return `${pre}${e.type} ${g('mac')}${vlan(e)} on ${g('port')}`;
    case 'moved':
      return `${pre}moved ${g('mac')}${vlan(e)} from ${g('from')} to ${g('to')}`;
    case 'mac-events-suppressed':
      return `${pre}${g('count')} MAC events not shown (over ${g('perSecond')} per second)`;
    case 'static-added':
      return `${pre}static ${g('mac')}${vlan(e)} added on ${g('port')}`;
    case 'static-removed':
      return `${pre}static ${g('mac')}${vlan(e)} removed from ${g('port')}`;
    case 'flushed':
      return `${pre}flushed ${g('count')} entries${e['port'] !== undefined ? ` on ${g('port')}` : ''}${vlan(e)}`;
    case 'port-added':
      return `${pre}port ${g('port')} (${g('no')}) added${e['kind'] !== undefined ? `, ${g('kind')}` : ''}`;
    case 'port-removed':
      return `${pre}port ${g('port')} (${g('no')}) removed`;
    case 'port-up':
      return `${pre}port ${g('port')} up`;
    case 'port-down':
      return `${pre}port ${g('port')} down${e['reason'] !== undefined ? ` (${g('reason')})` : ''}`;
    case 'stp-state':
      return `${pre}port ${g('port')} ${g('from')} -> ${g('to')}`;
    case 'root-change':
      return `${pre}root is now ${g('root')} via ${g('rootPort')} cost ${g('cost')}`;
    case 'tc-start':
      return `${pre}topology change started`;
    case 'tc-end':
      return `${pre}topology change ended`;
    case 'stp': {
      const rest = Object.entries(e)
        .filter(([k, v]) => !['type', 'what', 'bridge', 'time', 'stpTimeMs'].includes(k) && v !== undefined)
        .map(([k, v]) => `${k}=${str(v)}`);
      return `${pre}${['stp', g('what'), ...rest].join(' ')}`;
    }
    default: {
      const rest = Object.entries(e)
        .filter(([k, v]) => k !== 'type' && k !== 'bridge' && k !== 'time' && k !== 'stpTimeMs' && v !== undefined)
        .map(([k, v]) => `${k}=${str(v)}`);
      return `${pre}${[e.type, ...rest].join(' ')}`;
    }
  }
}

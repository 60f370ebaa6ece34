// What the bridge learns from one IGMP/MLD message (classifyMcast() said MC_CONTROL and checked it
// whole): reports join groups, leaves (and v3 records that include no source) start the
// last-member grace, queries mark their port as leading to a querier. As the kernel's bridge does
// in IGMPv2/MLDv1 mode, sources of v3 records are not tracked: a group is joined or left as a whole.
import { MSG_QUERY, MSG_REPORT, MSG_LEAVE, MSG_REPORT_V3, recordType, recordGroup, nextRecord, recordSources, type McastInfo } from './mcast-parse.js';
import type { Mdb } from './mdb.js';

/** Called for each membership a message added or asked to end (for events and group queries). */
export interface SnoopListener {
  joined(family: 4 | 6, buf: Uint8Array, group: number, port: number): void;
  left(family: 4 | 6, buf: Uint8Array, group: number, port: number): void;
}

// v3 record types (RFC 3376 4.2.12, RFC 3810 5.2.12)
const IS_INCLUDE = 1;
const TO_INCLUDE = 3;
const BLOCK_OLD = 6;

export function learnFromMessage(mdb: Mdb, buf: Uint8Array, info: McastInfo, vid: number, port: number, now: number, l: SnoopListener | null): void {
  const fam = info.family as 4 | 6;
  switch (info.msg) {
    case MSG_QUERY:
      mdb.querySeen(port, now);
      return;
    case MSG_REPORT:
      if (mdb.join(fam, buf, info.group, vid, port, now)) l?.joined(fam, buf, info.group, port);
      return;
    case MSG_LEAVE:
      if (mdb.leave(fam, buf, info.group, vid, port, now)) l?.left(fam, buf, info.group, port);
      return;
    case MSG_REPORT_V3: {
      let r = info.l4 + 8;
      for (let i = 0; i < info.records; i++) {
        const t = recordType(buf, r);
        const g = recordGroup(r);
        if (t >= IS_INCLUDE && t <= BLOCK_OLD) {
          if ((t === IS_INCLUDE || t === TO_INCLUDE) && recordSources(buf, r) === 0) {
            if (mdb.leave(fam, buf, g, vid, port, now)) l?.left(fam, buf, g, port);
          } else if (mdb.join(fam, buf, g, vid, port, now)) {
            l?.joined(fam, buf, g, port);
          }
        }
        r = nextRecord(buf, r, fam);
      }
      return;
    }
    default:
  }
}

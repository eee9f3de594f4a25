// Assembles the opcode maps and attaches handlers from the registry.
import { DecodeTables } from '../decoder';
import { OpEntry, OpMap, OpNode } from '../table-types';
import { ONE_BYTE } from './one-byte';
import { TWO_BYTE, THREE_BYTE_38, THREE_BYTE_3A } from './two-byte';
import { SIMD_0F, SIMD_0F38, SIMD_0F3A } from './simd';
import { X87 } from './x87';

export type Handler = (cpu: any, i: any) => void;

/** Visits every entry of a map tree. */
export function forEachEntry(maps: OpMap[], fn: (e: OpEntry, map: number, opcode: number) => void): void {
  const walk = (n: OpNode | undefined, map: number, b: number): void => {
    if (!n) return;
    if ((n as OpEntry).m !== undefined) { fn(n as OpEntry, map, b); return; }
    for (const v of Object.values(n)) for (const c of v as (OpNode | undefined)[]) walk(c, map, b);
  };
  maps.forEach((mp, map) => mp.forEach((n, b) => walk(n, map, b)));
}

function overlay(base: OpMap, over: (OpNode | undefined)[], at = 0): OpMap {
  const m = base.slice();
  over.forEach((n, k) => { if (n) m[at + k] = n; });
  return m;
}

export const MAPS: OpMap[] = [
  overlay(ONE_BYTE, X87, 0xd8),
  overlay(TWO_BYTE, SIMD_0F),
  overlay(THREE_BYTE_38, SIMD_0F38),
  overlay(THREE_BYTE_3A, SIMD_0F3A),
];

/** Builds decode tables with handlers resolved by key (entry.h ?? entry.m). */
export function buildTables(handlers: Record<string, Handler>): DecodeTables {
  forEachEntry(MAPS, (e) => {
    const h = handlers[e.h ?? e.m];
    if (h) e.exec = h;
  });
  return { maps: MAPS };
}

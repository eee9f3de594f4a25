// The DW_CFA interpreter (DWARF5 6.4.2): a CIE's initial instructions plus
// an FDE's instructions give the CFI row in effect at one pc (6.4.3).

import { hex } from './errors';
import { ByteReader } from './reader';
import { CfaRule, Cie, DW_CFA, Fde, RegisterRule, UnwindRow } from './cfi-types';
import { readEncoded } from './eh-pointer';

interface RuleState {
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

/**
 * Runs the CIE's initial instructions, then the FDE's, up to `pc`
 * (DWARF5 6.4.3): the state when the location first passes pc is the row.
 */
export function executeInstructions(fde: Fde, pc: bigint, defaultAddressSize: number): UnwindRow {
  const cie = fde.cie;
  const state: RuleState = { cfa: { type: 'register', register: 0, offset: 0 }, registers: new Map() };
  run(cie.initialInstructions, cie, state, undefined, fde.start, undefined, defaultAddressSize, 0n);
  // DW_CFA_restore returns a register to its rule after the initial instructions.
  const initial = new Map(state.registers);
  const loc = { location: fde.start, end: fde.end };
  run(fde.instructions, cie, state, initial, fde.start, { pc, loc }, defaultAddressSize, fde.instructionsAddr);
  return { location: loc.location, end: loc.end, cfa: state.cfa, registers: state.registers, fde };
}

function run(
  code: Uint8Array,
  cie: Cie,
  state: RuleState,
  initial: Map<number, RegisterRule> | undefined,
  start: bigint,
  stop: { pc: bigint; loc: { location: bigint; end: bigint } } | undefined,
  defaultAddressSize: number,
  codeAddr: bigint,
): void {
  const r = new ByteReader(code, `${cie.section} instructions`);
  const stack: RuleState[] = [];
  let location = start;
  const caf = BigInt(cie.codeAlignmentFactor);
  const daf = cie.dataAlignmentFactor;
  // Returns false when the new location is past pc: the current row is the answer.
  const advance = (to: bigint): boolean => {
    if (!stop) {
      location = to;
      return true;
    }
    if (to > stop.pc) {
      stop.loc.location = location;
      stop.loc.end = to < stop.loc.end ? to : stop.loc.end;
      return false;
    }
    location = to;
    return true;
  };
  const setReg = (reg: number, rule: RegisterRule) => state.registers.set(reg, rule);
  const restore = (reg: number) => {
    const rule = initial?.get(reg);
    if (rule) state.registers.set(reg, rule);
    else state.registers.delete(reg);
  };
  const cfaReg = (): { register: number; offset: number } => {
    if (state.cfa.type !== 'register') r.fail('DW_CFA_def_cfa_register/offset while the CFA is an expression');
    return state.cfa as { register: number; offset: number };
  };
  while (r.pos < r.end) {
    const op = r.u8('DW_CFA');
    const hi = op & 0xc0;
    const low = op & 0x3f;
    // Encodings: DWARF5 7.24. The three "primary" opcodes keep an operand
    // in their low 6 bits.
    if (hi === DW_CFA.advance_loc) {
      // DWARF5 6.4.2.1 (row creation): delta x code_alignment_factor.
      if (!advance(location + BigInt(low) * caf)) return;
      continue;
    }
    if (hi === DW_CFA.offset) {
      // DWARF5 6.4.2.3: saved at CFA + N x data_alignment_factor.
      setReg(low, { type: 'offset', offset: r.uleb('DW_CFA_offset') * daf });
      continue;
    }
    if (hi === DW_CFA.restore) {
      // DWARF5 6.4.2.3: back to the rule the CIE's initial instructions gave.
      restore(low);
      continue;
    }
    switch (op) {
      case DW_CFA.nop: // DWARF5 6.4.2.5 (padding)
        break;
      // DWARF5 6.4.2.1: row creation.
      case DW_CFA.set_loc: {
        const to =
          cie.section === '.eh_frame'
            ? readEncoded(r, cie.fdeEncoding, cie.addressSize, { sectionAddr: codeAddr, secs: { textAddr: cie.textAddr, gotAddr: cie.dataAddr } })
            : r.address(cie.addressSize || defaultAddressSize, 'DW_CFA_set_loc');
        if (!advance(to)) return;
        break;
      }
      case DW_CFA.advance_loc1:
        if (!advance(location + BigInt(r.u8()) * caf)) return;
        break;
      case DW_CFA.advance_loc2:
        if (!advance(location + BigInt(r.u16()) * caf)) return;
        break;
      case DW_CFA.advance_loc4:
        if (!advance(location + BigInt(r.u32()) * caf)) return;
        break;
      // DWARF5 6.4.2.3: register rules.
      case DW_CFA.offset_extended: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'offset', offset: r.uleb('offset') * daf });
        break;
      }
      case DW_CFA.restore_extended:
        restore(r.uleb('register'));
        break;
      case DW_CFA.undefined:
        setReg(r.uleb('register'), { type: 'undefined' });
        break;
      case DW_CFA.same_value:
        setReg(r.uleb('register'), { type: 'sameValue' });
        break;
      case DW_CFA.register: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'register', register: r.uleb('register') });
        break;
      }
      case DW_CFA.remember_state:
        // DWARF5 6.4.2.4. Like gcc's unwinder and gdb, the CFA rule is saved and
        // restored with the register rules (gcc's epilogues rely on it).
        if (stack.length > 1000) r.fail('DW_CFA_remember_state nested too deep');
        stack.push({ cfa: { ...state.cfa }, registers: new Map(state.registers) });
        break;
      case DW_CFA.restore_state: {
        const s = stack.pop();
        if (!s) return r.fail('DW_CFA_restore_state without DW_CFA_remember_state');
        state.cfa = s.cfa;
        state.registers = s.registers;
        break;
      }
      // DWARF5 6.4.2.2: CFA definition. The _sf forms scale by data_alignment_factor.
      case DW_CFA.def_cfa: {
        const register = r.uleb('register');
        state.cfa = { type: 'register', register, offset: r.uleb('offset') };
        break;
      }
      case DW_CFA.def_cfa_sf: {
        const register = r.uleb('register');
        state.cfa = { type: 'register', register, offset: r.sleb('offset') * daf };
        break;
      }
      case DW_CFA.def_cfa_register: {
        // Keeps the offset; only valid while the CFA is register + offset.
        const c = cfaReg();
        state.cfa = { type: 'register', register: r.uleb('register'), offset: c.offset };
        break;
      }
      case DW_CFA.def_cfa_offset: {
        const c = cfaReg();
        state.cfa = { type: 'register', register: c.register, offset: r.uleb('offset') };
        break;
      }
      case DW_CFA.def_cfa_offset_sf: {
        const c = cfaReg();
        state.cfa = { type: 'register', register: c.register, offset: r.sleb('offset') * daf };
        break;
      }
      case DW_CFA.def_cfa_expression:
        state.cfa = { type: 'expression', expr: r.block(r.uleb('expression length'), 'DW_CFA_def_cfa_expression') };
        break;
      case DW_CFA.expression: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'expression', expr: r.block(r.uleb('expression length'), 'DW_CFA_expression') });
        break;
      }
      case DW_CFA.val_expression: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'valExpression', expr: r.block(r.uleb('expression length'), 'DW_CFA_val_expression') });
        break;
      }
      case DW_CFA.offset_extended_sf: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'offset', offset: r.sleb('offset') * daf });
        break;
      }
      case DW_CFA.val_offset: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'valOffset', offset: r.uleb('offset') * daf });
        break;
      }
      case DW_CFA.val_offset_sf: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'valOffset', offset: r.sleb('offset') * daf });
        break;
      }
      // GNU extensions (gcc's dwarf2.def): the outgoing argument size (no
      // effect on the rules), and a negated offset_extended.
      case DW_CFA.GNU_args_size:
        r.uleb('DW_CFA_GNU_args_size');
        break;
      case DW_CFA.GNU_negative_offset_extended: {
        const reg = r.uleb('register');
        setReg(reg, { type: 'offset', offset: -r.uleb('offset') * daf });
        break;
      }
      case DW_CFA.GNU_window_save:
        break; // SPARC register windows: nothing on x86
      default:
        r.fail(`unknown call frame instruction ${hex(op)}`);
    }
  }
  if (stop) stop.loc.location = location;
}

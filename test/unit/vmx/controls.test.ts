import { strict as assert } from 'assert';
import {
  CONTROL_BITS, CONTROL_WORDS, PIN, PRIMARY, SECONDARY, TERTIARY, EXIT, EXIT2, ENTRY, VMFUNC, controlBit, default1Mask,
  PIN_DEFAULT1, PRIMARY_DEFAULT1, EXIT_DEFAULT1, ENTRY_DEFAULT1, decodeControls, describeControls, nameBits,
  controlViolations, allowedSettings, controlCapabilityMsr, isAllowed1OnlyWord, CONTROL_FIELD, CONTROL_SDM,
} from '../../../emulator/vmx/controls';
import { fieldByName } from '../../../emulator/vmx/fields';
import { VMX_PIN_DEFAULT1, VMX_PROC_DEFAULT1, VMX_EXIT_DEFAULT1, VMX_ENTRY_DEFAULT1 } from '../../../emulator/x86/cpu-model';
import { VMX_FEATURES } from '../../../emulator/x86/cpu-features';
import { readTsv, MAX_CAPS } from './helpers';

const ROWS = readTsv('vmx-controls.tsv');

describe('VMX control bits (vmx-controls.tsv)', () => {
  it('has every TSV row with its bit, name and default1 class', () => {
    assert.equal(CONTROL_BITS.length, ROWS.length);
    ROWS.forEach((r, i) => {
      const d = CONTROL_BITS[i];
      assert.equal(d.word, r.field);
      assert.equal(d.bit, Number(r.bit));
      assert.equal(d.default1, r.default1 === 'yes', `${r.field}.${r.bit}`);
      if (r.name.startsWith('(')) {
        assert.equal(d.reserved, true);
        assert.equal(d.name, `RESERVED_${r.bit}`);
      } else {
        assert.equal(d.name, r.name);
        assert.equal(d.meaning, r.meaning);
      }
      assert.equal(controlBit(d.word, d.bit), d);
    });
  });

  it('default1 masks match the TSV header and the CPU model', () => {
    assert.equal(PIN_DEFAULT1, 0x16);
    assert.equal(PRIMARY_DEFAULT1, 0x0401e172);
    assert.equal(EXIT_DEFAULT1, 0x00036dff);
    assert.equal(ENTRY_DEFAULT1, 0x000011ff);
    assert.equal(PIN_DEFAULT1, VMX_PIN_DEFAULT1);
    assert.equal(PRIMARY_DEFAULT1, VMX_PROC_DEFAULT1);
    assert.equal(EXIT_DEFAULT1, VMX_EXIT_DEFAULT1);
    assert.equal(ENTRY_DEFAULT1, VMX_ENTRY_DEFAULT1);
    for (const w of ['secondary', 'tertiary', 'exit2', 'vmfunc'] as const) assert.equal(default1Mask(w), 0);
  });

  it('bit masks by name', () => {
    assert.equal(PIN.NMI_EXITING, 1 << 3);
    assert.equal(PRIMARY.ACTIVATE_SECONDARY_CONTROLS, 0x80000000);
    assert.equal(SECONDARY.ENABLE_EPT, 2);
    assert.equal(SECONDARY.UNRESTRICTED_GUEST, 0x80);
    assert.equal(TERTIARY.IPI_VIRTUALIZATION, 0x10);
    assert.equal(EXIT.ACKNOWLEDGE_INTERRUPT_ON_EXIT, 0x8000);
    assert.equal(EXIT2.LOAD_IA32_FRED, 2);
    assert.equal(ENTRY.IA32E_MODE_GUEST, 0x200);
    assert.equal(VMFUNC.EPTP_SWITCHING, 1);
  });

  it('agrees with the CPU-feature table on every vmx-* control bit', () => {
    for (const f of VMX_FEATURES) {
      if (!['pin', 'primary', 'secondary', 'exit', 'entry'].includes(f.word)) continue;
      const d = controlBit(f.word as 'pin', f.bit);
      assert.ok(d && !d.reserved, `${f.name}: ${f.word} bit ${f.bit}`);
    }
  });

  it('names the field and SDM section of every word', () => {
    for (const w of CONTROL_WORDS) {
      assert.ok(fieldByName(CONTROL_FIELD[w]), w);
      assert.match(CONTROL_SDM[w], /^25\.\d+\.\d+$/);
    }
  });

  describe('decoding (debugger and trace)', () => {
    it('lists set bits by name, reserved default1 bits optionally hidden', () => {
      assert.deepEqual(decodeControls('pin', 0x1f), ['EXTERNAL_INTERRUPT_EXITING', 'RESERVED_1', 'RESERVED_2', 'NMI_EXITING', 'RESERVED_4']);
      assert.deepEqual(decodeControls('pin', 0x1f, 0, { omitDefault1: true }), ['EXTERNAL_INTERRUPT_EXITING', 'NMI_EXITING']);
      assert.deepEqual(decodeControls('secondary', 0x20000082), ['ENABLE_EPT', 'UNRESTRICTED_GUEST', 'RESERVED_29']);
      assert.deepEqual(decodeControls('tertiary', 0, 1), ['BIT_32']);
      assert.deepEqual(decodeControls('primary', 0x80000080 | PRIMARY_DEFAULT1, 0, { omitDefault1: true }), ['HLT_EXITING', 'CR3_LOAD_EXITING', 'CR3_STORE_EXITING', 'ACTIVATE_SECONDARY_CONTROLS']);
      assert.equal(describeControls('entry', 0x8200), 'IA32E_MODE_GUEST | LOAD_IA32_EFER');
      assert.equal(describeControls('exit', 0), 'none');
      assert.equal(nameBits('pin', 0xa0), 'VIRTUAL_NMIS (bit 5), PROCESS_POSTED_INTERRUPTS (bit 7)');
      assert.equal(nameBits('primary', 1), 'reserved bit 0');
    });
  });

  describe('allowed-0 / allowed-1 against a capability MSR (SDM 27.2.1.1, Appendix A.3)', () => {
    it('flags bits that must be 1 and bits that must be 0', () => {
      assert.equal(controlViolations(0x16, 0x16, 0xff), 0);
      assert.equal(controlViolations(0x14, 0x16, 0xff), 0x2);
      assert.equal(controlViolations(0x116, 0x16, 0xff), 0x100);
      assert.equal(controlViolations(0x80000000, 0, 0x7fffffff), 0x80000000);
    });
    it('32-bit words use lo = allowed-0, hi = allowed-1; 64-bit words have allowed-1 only', () => {
      assert.deepEqual(allowedSettings('pin', [0x16, 0x7f]), { allowed0Lo: 0x16, allowed0Hi: 0, allowed1Lo: 0x7f, allowed1Hi: 0 });
      assert.deepEqual(allowedSettings('tertiary', [0x1f, 0x1]), { allowed0Lo: 0, allowed0Hi: 0, allowed1Lo: 0x1f, allowed1Hi: 1 });
      assert.deepEqual(allowedSettings('secondary', null), { allowed0Lo: 0, allowed0Hi: 0, allowed1Lo: 0, allowed1Hi: 0 });
      assert.ok(isAllowed1OnlyWord('exit2') && isAllowed1OnlyWord('vmfunc') && !isAllowed1OnlyWord('entry'));
    });
    it('picks the TRUE MSR when IA32_VMX_BASIC[55] = 1', () => {
      assert.equal(controlCapabilityMsr('pin', false), 0x481);
      assert.equal(controlCapabilityMsr('pin', true), 0x48d);
      assert.equal(controlCapabilityMsr('primary', true), 0x48e);
      assert.equal(controlCapabilityMsr('exit', false), 0x483);
      assert.equal(controlCapabilityMsr('entry', true), 0x490);
      assert.equal(controlCapabilityMsr('secondary', true), 0x48b);
      assert.equal(controlCapabilityMsr('tertiary', false), 0x492);
      assert.equal(controlCapabilityMsr('exit2', true), 0x493);
      assert.equal(controlCapabilityMsr('vmfunc', true), 0x491);
    });
    it('the max model allows what it implements and frees the TRUE default1 bits', () => {
      assert.equal(MAX_CAPS.trueCtls, true);
      assert.equal(MAX_CAPS.proc0 & (PRIMARY.CR3_LOAD_EXITING | PRIMARY.CR3_STORE_EXITING), 0);
      assert.equal(MAX_CAPS.exit0 & EXIT.SAVE_DEBUG_CONTROLS, 0);
      assert.equal(MAX_CAPS.entry0 & ENTRY.LOAD_DEBUG_CONTROLS, 0);
      assert.ok(MAX_CAPS.proc2_1 & SECONDARY.ENABLE_EPT);
      assert.equal(MAX_CAPS.pin1 & PIN.PROCESS_POSTED_INTERRUPTS, 0);
      assert.equal(controlViolations(PIN_DEFAULT1 | PIN.PROCESS_POSTED_INTERRUPTS, MAX_CAPS.pin0, MAX_CAPS.pin1), PIN.PROCESS_POSTED_INTERRUPTS);
    });
  });
});

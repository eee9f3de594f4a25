// Source of syntaxes/nestvirt-trace.tmLanguage.json (run `node syntaxes/build.js`).
// The `nestvirt run --trace` line format; its source of truth is
// formatTraceLine in emulator/debug/trace-format.ts:
//   [      icount] cpuN Lf->Lt <kind> REASON(n)[ qual=..][ handled-by=..][ rule=...]
//   [      icount] cpuN exception #PF(14)[ error=0x..][ cr2=0x..] rip=0x..
//   [      icount] cpuN triple-fault rip=0x.. <free text>
//   [      icount] debug-exit value=0x.. status=N
// test/grammar/trace-sample.ts feeds real events through formatTraceLine, so a
// change of the format breaks the grammar test until this file follows it.
'use strict';

const r = String.raw;
const L = '.nestvirt-trace';

// `[   12345] ` — shared by every line.
const AT = r`^(\[)(\s*)([0-9]+)(\])\s+`;
const atCaptures = {
  1: { name: `punctuation.definition.icount.begin${L}` },
  3: { name: `constant.numeric.icount${L}` },
  4: { name: `punctuation.definition.icount.end${L}` },
};
const CPU = r`(cpu[0-9]+)\s+`;
const cpuCapture = { name: `variable.language.cpu${L}` };

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'nestvirt trace',
  scopeName: 'text.nestvirt-trace',
  fileTypes: ['nvtrace'],
  firstLineMatch: r`^\[\s*[0-9]+\] (?:cpu[0-9]+ |debug-exit )`,
  patterns: [
    { include: '#transition' },
    { include: '#exception' },
    { include: '#triple-fault' },
    { include: '#debug-exit' },
  ],
  repository: {
    transition: {
      comment: 'a VM transition: exit, entry, entry-fail, reflect or inject',
      begin: `${AT}${CPU}(L[0-9])(->)(L[0-9])\\s+(entry-fail|exit|entry|reflect|inject)\\b`,
      beginCaptures: {
        ...atCaptures,
        5: cpuCapture,
        6: { patterns: [{ include: '#level' }] },
        7: { name: `keyword.operator.arrow${L}` },
        8: { patterns: [{ include: '#level' }] },
        9: { name: `keyword.other.kind.$9${L}` },
      },
      end: '$',
      name: `meta.event.transition${L}`,
      patterns: [
        { include: '#reason' },
        { include: '#rule' },
        { include: '#key-value' },
      ],
    },
    exception: {
      begin: `${AT}${CPU}(exception)\\b`,
      beginCaptures: { ...atCaptures, 5: cpuCapture, 6: { name: `keyword.other.kind.exception${L}` } },
      end: '$',
      name: `meta.event.exception${L}`,
      patterns: [
        { include: '#reason' },
        { include: '#key-value' },
      ],
    },
    'triple-fault': {
      comment: 'rip=, then the free-text reason',
      begin: `${AT}${CPU}(triple-fault)\\b(?:\\s+(rip)(=)(0x[0-9a-fA-F]+))?`,
      beginCaptures: {
        ...atCaptures,
        5: cpuCapture,
        6: { name: `keyword.other.kind.triple-fault${L}` },
        7: { name: `entity.other.attribute-name.rip${L}` },
        8: { name: `punctuation.separator.key-value${L}` },
        9: { name: `constant.numeric.hex${L}` },
      },
      end: '$',
      name: `meta.event.triple-fault${L}`,
      contentName: `string.unquoted.message${L}`,
      patterns: [
        { include: '#exception-name' },
        { include: '#hex' },
      ],
    },
    'debug-exit': {
      begin: `${AT}(debug-exit)\\b`,
      beginCaptures: { ...atCaptures, 5: { name: `keyword.other.kind.debug-exit${L}` } },
      end: '$',
      name: `meta.event.debug-exit${L}`,
      patterns: [{ include: '#key-value' }],
    },
    level: {
      comment: 'L0 (nestvirt), L1 (the user hypervisor), L2 (its guest): one scope each so themes can tell them apart',
      match: r`\bL([0-9])\b`,
      name: `constant.language.level.l$1${L}`,
    },
    reason: {
      comment: 'EPT_VIOLATION(48), VMEXIT_NPF(1024), #PF(14), 15(15), vector 32(32)',
      patterns: [
        {
          match: r`(?:(#[A-Z]{2})|(NMI|CSO)|(VMEXIT_\w+)|([A-Za-z_]\w*)|(vector [0-9]+|[0-9]+))(\()(-?[0-9]+)(\))`,
          name: `meta.reason${L}`,
          captures: {
            1: { patterns: [{ include: '#exception-name' }] },
            2: { name: `support.constant.exception${L}` },
            3: { name: `support.constant.reason.svm${L}` },
            4: { name: `support.constant.reason.vmx${L}` },
            5: { name: `support.constant.exception${L}` },
            6: { name: `punctuation.definition.reason.begin${L}` },
            7: { name: `constant.numeric.decimal.reason${L}` },
            8: { name: `punctuation.definition.reason.end${L}` },
          },
        },
      ],
    },
    'exception-name': {
      comment: 'SDM vol 3A, 6.3.1 table 6-1 mnemonics',
      match: r`(#)(?:DE|DB|BP|OF|BR|UD|NM|DF|TS|NP|SS|GP|PF|MF|AC|MC|XM|VE|CP|HV|VC|SX)\b`,
      name: `support.constant.exception${L}`,
      captures: { 1: { name: `punctuation.definition.exception${L}` } },
    },
    rule: {
      comment: "the L0 rule that routed the transition: free text, always last on the line",
      begin: r`(?<=\s)(rule)(=)`,
      beginCaptures: {
        1: { name: `entity.other.attribute-name.rule${L}` },
        2: { name: `punctuation.separator.key-value${L}` },
      },
      end: '$',
      contentName: `string.unquoted.rule${L}`,
      patterns: [
        { include: '#level' },
        { include: '#exception-name' },
        { include: '#hex' },
      ],
    },
    'key-value': {
      comment: 'key=value; a value runs up to the next key= (qualifications may hold spaces)',
      begin: r`(?<=\s)([A-Za-z][\w-]*)(=)`,
      beginCaptures: {
        1: { name: `entity.other.attribute-name.$1${L}` },
        2: { name: `punctuation.separator.key-value${L}` },
      },
      end: r`(?=\s+[A-Za-z][\w-]*=)|$`,
      contentName: `meta.value${L}`,
      patterns: [
        { include: '#level' },
        { include: '#exception-name' },
        { include: '#hex' },
        { match: r`\b-?[0-9]+\b`, name: `constant.numeric.decimal${L}` },
      ],
    },
    hex: { match: r`\b0x[0-9a-fA-F]+\b`, name: `constant.numeric.hex${L}` },
  },
};

module.exports = grammar;

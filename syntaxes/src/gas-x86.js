// Source of syntaxes/gas-x86.tmLanguage.json (run `node syntaxes/build.js`).
// GNU assembler for x86-64: AT&T syntax, `.intel_syntax` regions up to the
// next `.att_syntax`, and the C preprocessor lines of .S files. The mnemonic
// tables live here as word lists because a JSON regex of 600 alternatives is
// unreviewable; the mocha grammar test fails when the JSON is out of date.
'use strict';

const r = String.raw;
const L = '.x86-gas';
const alt = (words) => words.join('|');

// A word that is not part of a longer symbol, register (%) or macro argument (\).
const B = r`(?<![\w.$%\\])`;
const E = r`(?![\w.$])`;
// Numbers may follow the immediate sign: $0x10.
const NB = r`(?<![\w.%\\])`;
const SYM = r`[A-Za-z_.$][\w.$]*`;
const STMT_END = r`(?=;|$)`;

// ------------------------------------------------------------------ registers
// SDM vol 1, 3.4 and 3.7.2; control registers vol 3A 2.5, debug 17.2.
const REGISTERS = [
  ['general', r`r(?:ax|bx|cx|dx|si|di|bp|sp|8|9|1[0-5])|e(?:ax|bx|cx|dx|si|di|bp|sp)|r(?:8|9|1[0-5])[dwbl]|[abcd]x|[sd]il?|[bs]pl?|[abcd][lh]`],
  ['ip', r`[re]?ip`],
  ['segment', r`[cdefgs]s`],
  ['control', r`cr(?:1[0-5]|[0-9])`],
  ['debug', r`dr(?:1[0-5]|[0-9])`],
  ['simd', r`[xyz]mm(?:3[01]|[12][0-9]|[0-9])`],
  ['mmx', r`mm[0-7]`],
  ['mask', r`k[0-7]`],
  ['bound', r`bnd[0-3]`],
];

function registerPatterns(prefixed) {
  const pct = prefixed ? '(%)' : '()';
  const before = prefixed ? '' : B;
  return [
    ...(prefixed ? [{
      comment: 'a register named by a macro argument: %\\reg',
      match: r`%(?=\\[A-Za-z_])`,
      name: `punctuation.definition.register${L}`,
    }] : []),
    {
      comment: 'x87 stack: %st, %st(3)',
      match: r`${before}${pct}(st)\b(?:\s*(\()\s*([0-7])\s*(\)))?`,
      name: `variable.language.register.fpu${L}`,
      captures: {
        1: { name: `punctuation.definition.register${L}` },
        3: { name: `punctuation.definition.register.begin${L}` },
        4: { name: `constant.numeric.decimal${L}` },
        5: { name: `punctuation.definition.register.end${L}` },
      },
    },
    ...REGISTERS.map(([cls, re]) => ({
      match: r`${before}${pct}(?:${re})${E}`,
      name: `variable.language.register.${cls}${L}`,
      captures: { 1: { name: `punctuation.definition.register${L}` } },
    })),
  ];
}

// ------------------------------------------------------------------ mnemonics
// AT&T size suffixes: b (8), w (16), l (32), q (64); x87 s/l/t/ll/q.
const SUFFIX = '[bwlq]';
const CC = 'o|no|b|c|nae|ae|nb|nc|e|z|ne|nz|be|na|a|nbe|s|ns|p|pe|np|po|l|nge|ge|nl|le|ng|g|nle';

/**
 * Mnemonic groups, most specific first. `suffixed` takes an optional AT&T size
 * suffix (split out in AT&T syntax; accepted whole in Intel syntax); `plain`
 * is matched as written.
 */
const GROUPS = [
  {
    scope: 'vmx',
    comment: 'Intel VMX instructions (SDM vol 3C, chapter 31)',
    plain: ['vmxon', 'vmxoff', 'vmclear', 'vmptrld', 'vmptrst', 'vmlaunch', 'vmresume', 'vmcall', 'vmfunc', 'invept', 'invvpid'],
    suffixed: [['[lq]', ['vmread', 'vmwrite']]],
  },
  {
    scope: 'svm',
    comment: 'AMD SVM instructions (APM vol 2, chapter 15; vmgexit is SEV-ES)',
    plain: ['vmrun', 'vmload', 'vmsave', 'vmmcall', 'stgi', 'clgi', 'invlpga', 'skinit', 'vmgexit'],
  },
  {
    scope: 'privileged',
    comment: 'system instructions: CPL 0, IOPL-sensitive or unconditional VM exits',
    plain: ['hlt', 'cli', 'sti', 'clts', 'invd', 'wbinvd', 'wbnoinvd', 'invlpg', 'invlpgb', 'tlbsync', 'invpcid',
      'wrmsr', 'rdmsr', 'wrmsrns', 'rdmsrlist', 'wrmsrlist', 'rdpmc', 'cpuid', 'swapgs', 'rsm', 'iretd',
      'monitor', 'mwait', 'monitorx', 'mwaitx', 'xsetbv', 'xsaves', 'xsaves64', 'xrstors', 'xrstors64',
      'clac', 'stac', 'getsec', 'encls', 'pconfig', 'seamcall', 'seamops', 'tdcall'],
    suffixed: [
      [SUFFIX, ['iret', 'lgdt', 'lidt', 'sgdt', 'sidt', 'lldt', 'sldt', 'ltr', 'str', 'lmsw', 'smsw', 'in', 'out', 'ins', 'outs']],
      ['[lq]', ['sysret', 'sysexit']],
    ],
  },
  {
    scope: 'control',
    comment: 'control transfer',
    plain: [`j(?:${CC})`, 'jecxz', 'jrcxz', 'jcxz', 'loop', 'loope', 'loopne', 'loopz', 'loopnz',
      'int', 'int1', 'int3', 'into', 'syscall', 'sysenter', 'retf', 'retn', 'xbegin', 'xend', 'xabort'],
    suffixed: [[SUFFIX, ['call', 'jmp', 'ret', 'lcall', 'ljmp', 'lret']]],
  },
  {
    scope: 'instruction',
    comment: 'everything else: integer, x87, SSE/AVX',
    plain: [
      // sign/zero extension and conversions, AT&T and Intel names
      'mov[sz](?:b[wlq]|w[lq])', 'movslq', 'movsxd?', 'movzx', 'cbtw', 'cwtl', 'cltq', 'cwtd', 'cltd', 'cqto',
      'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo',
      `cmov(?:${CC})[wlq]?`, `set(?:${CC})`,
      'nop', 'pause', 'ud0', 'ud1', 'ud2', 'cld', 'std', 'clc', 'stc', 'cmc', 'sahf', 'lahf', 'xlatb?', 'bswap',
      'rdtscp?', 'rdrand', 'rdseed', 'rdpid', 'rdpkru', 'wrpkru', 'lfence', 'mfence', 'sfence', 'serialize',
      'clflush', 'clflushopt', 'clwb', 'cldemote', 'prefetch(?:t0|t1|t2|nta|w|wt1)?', 'endbr64', 'endbr32',
      'fxsave(?:64)?', 'fxrstor(?:64)?', 'xsave(?:opt|c)?(?:64)?', 'xrstor(?:64)?', 'xgetbv', 'xtest',
      'pusha[dl]?', 'popa[dl]?', 'pushfd', 'popfd', 'aa[adms]', 'da[as]', 'arpl', 'bound',
      'cmpxchg8b', 'cmpxchg16b', 'rd[fg]sbase', 'wr[fg]sbase', 'incssp[dq]', 'rdssp[dq]', 'wrss[dq]',
      'saveprevssp', 'rstorssp', 'setssbsy', 'clrssbsy', 'emms', 'ldmxcsr', 'stmxcsr', 'vzeroupper', 'vzeroall',
      // SSE/AVX (v-prefixed forms too); SSE movq is mov + the q suffix in AT&T syntax
      r`v?mov(?:aps|apd|ups|upd|dqa(?:32|64)?|dqu(?:8|16|32|64)?|ss|sd|hps|hpd|lps|lpd|hlps|lhps|msk(?:ps|pd)|nt(?:dqa?|ps|pd|i)|ddup|shdup|sldup|q2dq|dq2q)`,
      'movd', 'vmov[dq]',
      r`v?(?:add|sub|mul|div|min|max|sqrt|rcp|rsqrt|and|andn|or|xor|cmp|comi|ucomi|shuf|unpckh|unpckl|blendv?|round|dp|hadd|hsub|addsub)(?:ps|pd|ss|sd)`,
      r`v?cvtt?(?:ss2sd|sd2ss|si2ss|si2sd|ss2si|sd2si|ps2pd|pd2ps|dq2ps|ps2dq|dq2pd|pd2dq|pi2ps|ps2pi|pi2pd|pd2pi)[lq]?`,
      r`v?p(?:add|sub)(?:b|w|d|q|sb|sw|usb|usw)`, r`v?p(?:and|andn|or|xor)[dq]?`, r`v?pcmp(?:eq|gt)[bwdq]`, r`v?pcmp[ei]str[im]`,
      r`v?pmovmskb`, r`v?pshuf(?:b|d|hw|lw)`, r`v?punpck[hl](?:bw|wd|dq|qdq)`, r`v?pack(?:sswb|ssdw|uswb|usdw)`,
      r`v?ps(?:ll|rl|ra)(?:w|d|q|dq)`, r`v?pmul(?:lw|hw|hrsw|udq|ld|dq|huw)`, r`v?pmadd(?:wd|ubsw)`, r`v?p(?:min|max)[su][bwd]`,
      r`v?pavg[bw]`, r`v?psadbw`, r`v?pabs[bwd]`, r`v?palignr`, r`v?pinsr[bwdq]`, r`v?pextr[bwdq]`, r`v?ptest`,
      r`v?pblend(?:w|vb|d)`, r`v?pmov[sz]x(?:bw|bd|bq|wd|wq|dq)`, r`v?pclmulqdq`,
      r`v?aes(?:enc|enclast|dec|declast|imc|keygenassist)`, r`sha(?:1rnds4|1nexte|1msg1|1msg2|256rnds2|256msg1|256msg2)`,
      r`vbroadcast(?:ss|sd|f128|i128)`, r`vperm(?:2f128|2i128|ilps|ilpd|d|q|ps|pd)`, r`v(?:insert|extract)[fi]128`,
      r`vpbroadcast[bwdq]`, r`vf(?:n?m(?:add|sub)|maddsub|msubadd)(?:132|213|231)(?:ps|pd|ss|sd)`, r`vpternlog[dq]`, r`kmov[bwdq]`,
      // x87 without a size suffix
      'f(?:ld1|ldz|ldpi|ldl2e|ldl2t|ldlg2|ldln2|xch|chs|abs|sqrt|sin|cos|sincos|tst|xam|n?init|n?clex|n?stcw|ldcw|n?stsw|n?stenv|ldenv|n?save|rstor|wait|nop|ptan|patan|prem1?|rndint|scale|xtract|yl2x|yl2xp1|2xm1|free|decstp|incstp|compp|ucompp|u?comip?|cmovn?(?:b|e|be|u))',
      'wait',
    ],
    suffixed: [
      [SUFFIX, ['mov', 'movabs', 'add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test', 'inc', 'dec', 'neg', 'not',
        'mul', 'imul', 'div', 'idiv', 'push', 'pop', 'pushf', 'popf', 'lea', 'xchg', 'xadd', 'cmpxchg',
        'shl', 'shr', 'sal', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd', 'bt', 'bts', 'btr', 'btc', 'bsf', 'bsr',
        'lzcnt', 'tzcnt', 'popcnt', 'movbe', 'crc32', 'adcx', 'adox', 'andn', 'bextr', 'blsi', 'blsmsk', 'blsr', 'bzhi',
        'pdep', 'pext', 'rorx', 'sarx', 'shlx', 'shrx', 'mulx', 'nop', 'movnti', 'enter', 'leave', 'lar', 'lsl', 'verr', 'verw',
        'movs', 'stos', 'lods', 'cmps', 'scas']],
      ['(?:ll|[slqt])', ['fld', 'fst', 'fstp', 'fild', 'fist', 'fistp', 'fisttp', 'fbld', 'fbstp',
        'fadd', 'faddp', 'fsub', 'fsubp', 'fsubr', 'fsubrp', 'fmul', 'fmulp', 'fdiv', 'fdivp', 'fdivr', 'fdivrp',
        'fcom', 'fcomp', 'fucom', 'fucomp', 'fiadd', 'fisub', 'fisubr', 'fimul', 'fidiv', 'fidivr', 'ficom', 'ficomp']],
    ],
  },
];

function groupScope(g) {
  if (g.scope === 'control') return `keyword.control.instruction${L}`;
  if (g.scope === 'instruction') return `keyword.other.instruction${L}`;
  return `keyword.other.${g.scope}${L}`;
}

/** Known mnemonics; in AT&T syntax the size suffix gets its own `meta.size-suffix` token. */
function mnemonicPatterns(att) {
  const out = [];
  for (const g of GROUPS) {
    const name = groupScope(g);
    if (g.plain) out.push({ comment: g.comment, match: `${B}(?:${alt(g.plain)})${E}`, name });
    for (const [sfx, bases] of g.suffixed ?? []) {
      out.push(att
        ? { match: `${B}(?:${alt(bases)})(${sfx})?${E}`, name, captures: { 1: { name: `meta.size-suffix${L}` } } }
        : { match: `${B}(?:${alt(bases)})(?:${sfx})?${E}`, name });
    }
  }
  return out;
}

// ------------------------------------------------------------------ operands
const numbers = (intel) => ({
  patterns: [
    { match: r`${NB}0[fFdDeE][+-]?\d*\.\d+(?:[eE][+-]?\d+)?${E}`, name: `constant.numeric.float${L}` },
    { match: r`${NB}0[xX][0-9a-fA-F]+${E}`, name: `constant.numeric.hex${L}` },
    ...(intel ? [{ comment: 'Intel-style hex suffix', match: r`${NB}[0-9][0-9a-fA-F]*[hH]${E}`, name: `constant.numeric.hex${L}` }] : []),
    { match: r`${NB}0[bB][01]+${E}`, name: `constant.numeric.binary${L}` },
    {
      comment: 'reference to the next (f) or previous (b) local label N',
      match: r`${NB}([0-9]+)([fb])${E}`,
      name: `variable.other.label.local${L}`,
    },
    { match: r`${NB}0[0-7]+${E}`, name: `constant.numeric.octal${L}` },
    { match: r`${NB}(?:[1-9][0-9]*|0)${E}`, name: `constant.numeric.decimal${L}` },
  ],
});

const escapes = {
  match: r`\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|[bfnrtv\\"'])`,
  name: `constant.character.escape${L}`,
};

const operandTail = [
  { include: '#relocation' },
  { include: '#location-counter' },
  { include: '#symbol' },
  { include: '#operators' },
  { include: '#comma' },
  { include: '#parens' },
];

/** A directive and its operands up to the end of the statement. */
function directive(re, kind) {
  return {
    begin: r`${B}(${re})${E}`,
    beginCaptures: { 1: { name: `keyword.control.directive${kind ? '.' + kind : ''}${L}` } },
    end: STMT_END,
    name: `meta.directive${kind ? '.' + kind : ''}${L}`,
    patterns: [{ include: '#directive-operands' }],
  };
}

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'GNU Assembler (x86-64)',
  scopeName: 'source.x86-gas',
  fileTypes: ['s', 'S', 'sx', 'asm'],
  patterns: [{ include: '#statements-att' }],
  repository: {
    // ------------------------------------------------------------ statements
    'statements-att': {
      patterns: [
        { include: '#preprocessor' },
        { include: '#comments' },
        { include: '#intel-syntax-region' },
        { include: '#label' },
        { include: '#assignment' },
        { include: '#directive' },
        { include: '#prefix' },
        { include: '#instruction-att' },
        { include: '#statement-separator' },
        { include: '#operands-att' },
      ],
    },
    'statements-intel': {
      patterns: [
        { include: '#preprocessor' },
        { include: '#comments' },
        { include: '#label' },
        { include: '#assignment' },
        { include: '#directive' },
        { include: '#prefix' },
        { include: '#instruction-intel' },
        { include: '#statement-separator' },
        { include: '#operands-intel' },
      ],
    },
    'intel-syntax-region': {
      comment: '.intel_syntax applies until .att_syntax',
      begin: r`${B}(\.intel_syntax)\b(?:\s+(noprefix|prefix)\b)?`,
      beginCaptures: {
        1: { name: `keyword.control.directive.syntax${L}` },
        2: { name: `support.constant.option${L}` },
      },
      end: r`(?=${B}\.att_syntax\b)`,
      name: `meta.syntax.intel${L}`,
      patterns: [{ include: '#statements-intel' }],
    },
    'statement-separator': { match: ';', name: `punctuation.separator.statement${L}` },

    // ------------------------------------------------------------ comments
    comments: {
      patterns: [
        {
          begin: r`/\*`,
          end: r`\*/`,
          name: `comment.block${L}`,
          beginCaptures: { 0: { name: `punctuation.definition.comment.begin${L}` } },
          endCaptures: { 0: { name: `punctuation.definition.comment.end${L}` } },
        },
        { match: r`(//).*$`, name: `comment.line.double-slash${L}`, captures: { 1: { name: `punctuation.definition.comment${L}` } } },
        { match: r`(#).*$`, name: `comment.line.number-sign${L}`, captures: { 1: { name: `punctuation.definition.comment${L}` } } },
      ],
    },

    // ------------------------------------------------------------ preprocessor (.S)
    preprocessor: {
      comment: "C preprocessor lines of .S files. '#' followed by a space is a directive only when the rest looks like one, so '# if the guest...' stays a comment.",
      patterns: [
        {
          match: r`^\s*((#)\s*(?:include_next|include))\s*(?:(<[^>]*>)|("[^"]*"))`,
          name: `meta.preprocessor.include${L}`,
          captures: {
            1: { name: `keyword.control.directive.include${L}` },
            2: { name: `punctuation.definition.directive${L}` },
            3: { name: `string.quoted.other.lt-gt.include${L}` },
            4: { name: `string.quoted.double.include${L}` },
          },
        },
        {
          begin: r`^\s*((#)(?:(?=define)|\s+(?=define\s+(?:[A-Z_][A-Z0-9_]*\b|\w+\()))define)\s+([A-Za-z_]\w*)(?:(\()([^)]*)(\)))?`,
          beginCaptures: {
            1: { name: `keyword.control.directive.define${L}` },
            2: { name: `punctuation.definition.directive${L}` },
            3: { name: `entity.name.function.preprocessor${L}` },
            4: { name: `punctuation.definition.parameters.begin${L}` },
            5: {
              patterns: [
                { match: r`[A-Za-z_]\w*|\.\.\.`, name: `variable.parameter.preprocessor${L}` },
                { include: '#comma' },
              ],
            },
            6: { name: `punctuation.definition.parameters.end${L}` },
          },
          end: r`(?<!\\)(?=\n)`,
          name: `meta.preprocessor.macro${L}`,
          patterns: [{ include: '#define-body' }],
        },
        {
          match: r`^\s*((#)(?:(?=undef|ifn?def|elifn?def)|\s+(?=(?:undef|ifn?def|elifn?def)\s+\w+\s*(?:$|/[/*])))(undef|ifn?def|elifn?def))\s+([A-Za-z_]\w*)`,
          name: `meta.preprocessor${L}`,
          captures: {
            1: { name: `keyword.control.directive.conditional${L}` },
            2: { name: `punctuation.definition.directive${L}` },
            4: { name: `variable.other.constant.preprocessor${L}` },
          },
        },
        {
          begin: r`^\s*((#)(?:(?=if|elif)|\s+(?=(?:if|elif)\s+(?:defined\b|!|\(|\d|[A-Z_][A-Z0-9_]*\b)))(?:if|elif))\b`,
          beginCaptures: {
            1: { name: `keyword.control.directive.conditional${L}` },
            2: { name: `punctuation.definition.directive${L}` },
          },
          end: r`(?<!\\)(?=\n)`,
          name: `meta.preprocessor${L}`,
          patterns: [{ include: '#preprocessor-expression' }],
        },
        {
          match: r`^\s*((#)(?:(?=else|endif)|\s+(?=(?:else|endif)\s*(?:$|/[/*])))(?:else|endif))\b`,
          name: `meta.preprocessor${L}`,
          captures: {
            1: { name: `keyword.control.directive.conditional${L}` },
            2: { name: `punctuation.definition.directive${L}` },
          },
        },
        {
          begin: r`^\s*((#)(?:error|warning))\b\s*`,
          beginCaptures: {
            1: { name: `keyword.control.directive.diagnostic${L}` },
            2: { name: `punctuation.definition.directive${L}` },
          },
          end: r`(?<!\\)(?=\n)`,
          name: `meta.preprocessor.diagnostic${L}`,
          contentName: `string.unquoted.preprocessor.message${L}`,
        },
        {
          begin: r`^\s*((#)(?:pragma|line|ident|assert|unassert))\b`,
          beginCaptures: {
            1: { name: `keyword.control.directive${L}` },
            2: { name: `punctuation.definition.directive${L}` },
          },
          end: r`(?<!\\)(?=\n)`,
          name: `meta.preprocessor${L}`,
          patterns: [{ include: '#preprocessor-expression' }],
        },
        {
          comment: "cpp line marker: # 12 \"vmx.S\" 2",
          match: r`^\s*(#)\s*([0-9]+)\s+("[^"]*")((?:\s+[0-9]+)*)\s*$`,
          name: `meta.preprocessor.line-marker${L}`,
          captures: {
            1: { name: `punctuation.definition.directive${L}` },
            2: { name: `constant.numeric.decimal${L}` },
            3: { name: `string.quoted.double${L}` },
            4: { name: `constant.numeric.decimal${L}` },
          },
        },
      ],
    },
    'preprocessor-expression': {
      patterns: [
        { include: '#line-continuation' },
        { include: '#c-comments' },
        { match: r`\bdefined\b`, name: `keyword.operator.defined${L}` },
        { include: '#strings' },
        { include: '#numbers' },
        { match: r`[A-Za-z_]\w*`, name: `variable.other.constant.preprocessor${L}` },
        { include: '#operators' },
        { include: '#comma' },
        { include: '#parens' },
      ],
    },
    'define-body': {
      comment: 'a macro body is assembly (known mnemonics are scoped wherever they appear) or an expression',
      patterns: [
        { include: '#line-continuation' },
        { include: '#c-comments' },
        { match: '##?', name: `keyword.operator.preprocessor${L}` },
        { include: '#mnemonic-known-att' },
        { include: '#statement-separator' },
        { include: '#operands-att' },
      ],
    },
    'c-comments': {
      patterns: [
        {
          begin: r`/\*`,
          end: r`\*/`,
          name: `comment.block${L}`,
          beginCaptures: { 0: { name: `punctuation.definition.comment.begin${L}` } },
          endCaptures: { 0: { name: `punctuation.definition.comment.end${L}` } },
        },
        { match: r`(//).*$`, name: `comment.line.double-slash${L}`, captures: { 1: { name: `punctuation.definition.comment${L}` } } },
      ],
    },
    'line-continuation': { match: r`\\(?=\s*$)`, name: `constant.character.escape.line-continuation${L}` },

    // ------------------------------------------------------------ labels, symbols
    label: {
      patterns: [
        {
          comment: 'numeric local label, referenced as 1f / 1b',
          match: r`${B}([0-9]+)(:)(?!:)`,
          captures: {
            1: { name: `entity.name.label.local.numeric${L}` },
            2: { name: `punctuation.separator.label${L}` },
          },
        },
        {
          match: r`${B}(\.L[\w.$]*)(:)(?!:)`,
          captures: {
            1: { name: `entity.name.label.local${L}` },
            2: { name: `punctuation.separator.label${L}` },
          },
        },
        {
          match: r`${B}(${SYM})(:)(?!:)`,
          captures: {
            1: { name: `entity.name.function.label${L}` },
            2: { name: `punctuation.separator.label${L}` },
          },
        },
      ],
    },
    assignment: {
      comment: 'sym = expr, sym == expr',
      begin: r`${B}(${SYM})\s*(==?)(?!=)`,
      beginCaptures: {
        1: { name: `variable.other.constant${L}` },
        2: { name: `keyword.operator.assignment${L}` },
      },
      end: STMT_END,
      patterns: [{ include: '#directive-operands' }],
    },

    // ------------------------------------------------------------ directives
    directive: {
      patterns: [
        {
          begin: r`${B}(\.(?:section|pushsection))\s+("[^"]*"|[^\s,;#"]+)`,
          beginCaptures: {
            1: { name: `keyword.control.directive.section${L}` },
            2: { name: `entity.name.section${L}` },
          },
          end: STMT_END,
          name: `meta.directive.section${L}`,
          patterns: [
            { match: r`([@%])(progbits|nobits|note|init_array|fini_array|preinit_array|unwind)\b`, name: `support.constant.section-type${L}` },
            { include: '#directive-operands' },
          ],
        },
        directive(r`\.(?:text|data|bss|popsection|previous|subsection)`, 'section'),
        {
          begin: r`${B}(\.(?:globl|global|local|weak|weakref|hidden|internal|protected|extern|type|size|symver|comm|lcomm))${E}`,
          beginCaptures: { 1: { name: `keyword.control.directive.symbol${L}` } },
          end: STMT_END,
          name: `meta.directive.symbol${L}`,
          patterns: [
            { include: '#comments' },
            { include: '#relocation' },
            { include: '#location-counter' },
            { include: '#numbers' },
            { match: r`${B}${SYM}`, name: `entity.name.function${L}` },
            { include: '#operators' },
            { include: '#comma' },
            { include: '#parens' },
          ],
        },
        {
          begin: r`${B}(\.macro)\s+(${SYM})`,
          beginCaptures: {
            1: { name: `keyword.control.directive.macro${L}` },
            2: { name: `entity.name.function.macro${L}` },
          },
          end: STMT_END,
          name: `meta.directive.macro${L}`,
          patterns: [
            { include: '#comments' },
            {
              match: r`(=)\s*("[^"]*"|[^\s,;#]*)`,
              captures: {
                1: { name: `keyword.operator.assignment${L}` },
                2: { patterns: [{ include: '#directive-operands' }] },
              },
            },
            { match: r`(:)(req|vararg)\b`, captures: { 1: { name: `punctuation.separator.qualifier${L}` }, 2: { name: `storage.modifier.macro${L}` } } },
            { match: r`[A-Za-z_]\w*`, name: `variable.parameter.macro${L}` },
            { include: '#comma' },
          ],
        },
        directive(r`\.(?:endm|exitm|purgem|rept|irpc?|endr|altmacro|noaltmacro)`, 'macro'),
        {
          begin: r`${B}(\.(?:equ|set|equiv|eqv))\s+(${SYM})`,
          beginCaptures: {
            1: { name: `keyword.control.directive.constant${L}` },
            2: { name: `variable.other.constant${L}` },
          },
          end: STMT_END,
          name: `meta.directive.constant${L}`,
          patterns: [{ include: '#directive-operands' }],
        },
        {
          begin: r`${B}(\.(?:intel_syntax|att_syntax|intel_mnemonic|att_mnemonic))\b(?:\s+(noprefix|prefix)\b)?`,
          beginCaptures: {
            1: { name: `keyword.control.directive.syntax${L}` },
            2: { name: `support.constant.option${L}` },
          },
          end: STMT_END,
          name: `meta.directive${L}`,
          patterns: [{ include: '#directive-operands' }],
        },
        directive(r`\.code(?:16gcc|16|32|64)`, 'mode'),
        directive(r`\.(?:if(?:n?def|n?b|n?c|eqs?|nes?|ge|gt|le|lt|notdef)?|else(?:if)?|endif|err|error|warning|print)`, 'conditional'),
        directive(r`\.(?:byte|short|word|hword|int|long|quad|octa|2byte|4byte|8byte|value|zero|skip|space|fill|float|single|double|tfloat|ascii|asciz|string(?:8|16|32|64)?|base64|sleb128|uleb128|incbin|reloc)`, 'data'),
        directive(r`\.[A-Za-z_][\w.]*`, null),
      ],
    },
    'directive-operands': {
      patterns: [
        { include: '#comments' },
        { include: '#strings' },
        { include: '#char' },
        { include: '#macro-argument' },
        { include: '#registers-att' },
        { include: '#numbers' },
        ...operandTail,
      ],
    },

    // ------------------------------------------------------------ instructions
    prefix: {
      patterns: [
        {
          match: r`${B}(?:rep|repe|repz|repne|repnz|lock|data16|data32|addr16|addr32|rex64|rex(?:\.[WRXBwrxb]+)?|notrack|xacquire|xrelease|bnd)(?=\s*(?:;|$)|\s+[A-Za-z{])`,
          name: `storage.modifier.prefix${L}`,
        },
        { match: r`\{(?:vex[23]?|evex|load|store|disp8|disp16|disp32|nooptimize|rex2?)\}`, name: `storage.modifier.prefix${L}` },
      ],
    },
    'instruction-att': {
      patterns: [
        {
          comment: 'MOV to/from a control or debug register (SDM vol 3A, 2.8)',
          begin: r`${B}mov([lq])?(?=\s[^;#\n]*%(?:cr|dr)(?:1[0-5]|[0-9])\b)`,
          beginCaptures: {
            0: { name: `keyword.other.privileged${L}` },
            1: { name: `meta.size-suffix${L}` },
          },
          end: STMT_END,
          name: `meta.instruction${L}`,
          patterns: [{ include: '#operands-att' }],
        },
        {
          begin: r`${B}([A-Za-z_][\w.]*)(?![\w.$:])`,
          beginCaptures: { 1: { patterns: [{ include: '#mnemonic-att' }] } },
          end: STMT_END,
          name: `meta.instruction${L}`,
          patterns: [{ include: '#operands-att' }],
        },
      ],
    },
    'instruction-intel': {
      patterns: [
        {
          comment: 'MOV to/from a control or debug register (SDM vol 3A, 2.8)',
          begin: r`${B}mov(?=\s[^;#\n]*\b(?:cr|dr)(?:1[0-5]|[0-9])\b)`,
          beginCaptures: { 0: { name: `keyword.other.privileged${L}` } },
          end: STMT_END,
          name: `meta.instruction${L}`,
          patterns: [{ include: '#operands-intel' }],
        },
        {
          begin: r`${B}([A-Za-z_][\w.]*)(?![\w.$:])`,
          beginCaptures: { 1: { patterns: [{ include: '#mnemonic-intel' }] } },
          end: STMT_END,
          name: `meta.instruction${L}`,
          patterns: [{ include: '#operands-intel' }],
        },
      ],
    },
    'mnemonic-known-att': { patterns: mnemonicPatterns(true) },
    'mnemonic-known-intel': { patterns: mnemonicPatterns(false) },
    'mnemonic-att': {
      patterns: [{ include: '#mnemonic-known-att' }, { include: '#macro-call' }],
    },
    'mnemonic-intel': {
      patterns: [{ include: '#mnemonic-known-intel' }, { include: '#macro-call' }],
    },
    'macro-call': {
      comment: 'a word in mnemonic position that is no known mnemonic: a .macro (or an instruction this grammar does not list)',
      match: r`[A-Za-z_][\w.]*`,
      name: `entity.name.function.macro.call${L}`,
    },

    // ------------------------------------------------------------ operands
    'operands-att': {
      patterns: [
        { include: '#comments' },
        { include: '#strings' },
        { include: '#char' },
        { include: '#macro-argument' },
        { include: '#immediate' },
        { include: '#segment-override-att' },
        { include: '#registers-att' },
        { include: '#memory-att' },
        { include: '#avx512-decorator' },
        { include: '#indirect' },
        { include: '#numbers' },
        ...operandTail,
      ],
    },
    'operands-intel': {
      patterns: [
        { include: '#comments' },
        { include: '#strings' },
        { include: '#char' },
        { include: '#macro-argument' },
        { include: '#size-ptr' },
        { include: '#segment-override-intel' },
        { include: '#segment-override-att' },
        { include: '#memory-intel' },
        { include: '#avx512-decorator' },
        { include: '#registers-intel' },
        { include: '#registers-att' },
        { include: '#numbers-intel' },
        ...operandTail,
      ],
    },
    'registers-att': { patterns: registerPatterns(true) },
    'registers-intel': { patterns: registerPatterns(false) },
    immediate: {
      patterns: [
        {
          match: r`(\$)(${SYM})`,
          captures: {
            1: { name: `punctuation.definition.immediate${L}` },
            2: { name: `variable.other.constant.immediate${L}` },
          },
        },
        { match: r`\$(?=[-+~!(0-9'\\])`, name: `punctuation.definition.immediate${L}` },
      ],
    },
    'segment-override-att': {
      match: r`((%)[cdefgs]s)\s*(:)`,
      captures: {
        1: { name: `variable.language.register.segment${L}` },
        2: { name: `punctuation.definition.register${L}` },
        3: { name: `punctuation.separator.segment${L}` },
      },
    },
    'segment-override-intel': {
      match: r`${B}([cdefgs]s)\s*(:)`,
      captures: {
        1: { name: `variable.language.register.segment${L}` },
        2: { name: `punctuation.separator.segment${L}` },
      },
    },
    'memory-att': {
      comment: 'disp(%base,%index,scale)',
      begin: r`\((?=\s*(?:%|,|\\))`,
      beginCaptures: { 0: { name: `punctuation.definition.memory.begin${L}` } },
      end: r`(\))|(?=;|$)`,
      endCaptures: { 1: { name: `punctuation.definition.memory.end${L}` } },
      name: `meta.memory-operand${L}`,
      patterns: [
        { include: '#comments' },
        { include: '#macro-argument' },
        { include: '#registers-att' },
        {
          match: r`(,)\s*([1248])(?=\s*\))`,
          captures: {
            1: { name: `punctuation.separator.memory${L}` },
            2: { name: `constant.numeric.scale${L}` },
          },
        },
        { match: ',', name: `punctuation.separator.memory${L}` },
        { include: '#numbers' },
        { include: '#symbol' },
      ],
    },
    'memory-intel': {
      comment: '[base + index*scale + disp]',
      begin: r`\[`,
      beginCaptures: { 0: { name: `punctuation.definition.memory.begin${L}` } },
      end: r`(\])|(?=;|$)`,
      endCaptures: { 1: { name: `punctuation.definition.memory.end${L}` } },
      name: `meta.memory-operand${L}`,
      patterns: [
        { include: '#comments' },
        { include: '#macro-argument' },
        { include: '#segment-override-intel' },
        { include: '#registers-intel' },
        { include: '#registers-att' },
        {
          match: r`(\*)\s*([1248])${E}`,
          captures: {
            1: { name: `keyword.operator${L}` },
            2: { name: `constant.numeric.scale${L}` },
          },
        },
        { include: '#numbers-intel' },
        ...operandTail,
      ],
    },
    'size-ptr': {
      patterns: [
        {
          match: r`${B}(byte|word|dword|fword|qword|mmword|tbyte|oword|xmmword|ymmword|zmmword)(?:\s+(ptr))?${E}`,
          captures: {
            1: { name: `storage.type.size${L}` },
            2: { name: `storage.modifier.ptr${L}` },
          },
        },
        { match: r`${B}(?:offset|short|near|far|flat)${E}`, name: `keyword.operator.word${L}` },
      ],
    },
    'avx512-decorator': {
      patterns: [
        {
          match: r`(\{)(%?k[1-7])(\})`,
          captures: {
            1: { name: `punctuation.definition.decorator.begin${L}` },
            2: { name: `variable.language.register.mask${L}` },
            3: { name: `punctuation.definition.decorator.end${L}` },
          },
        },
        { match: r`\{(?:z|sae|r[nduz]-sae|1to(?:2|4|8|16|32))\}`, name: `storage.modifier.decorator${L}` },
      ],
    },
    indirect: {
      comment: 'jmp *%rax, call *8(%rbx)',
      match: r`(?<=[\s,])\*(?=[%(\w\\.-])`,
      name: `keyword.operator.indirect${L}`,
    },
    numbers: numbers(false),
    'numbers-intel': numbers(true),
    char: {
      comment: "GNU as character constant: 'a or 'a' (SDM-style escapes allowed)",
      match: r`(')(?:(\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.))|([^\\\n]))(')?`,
      name: `constant.character${L}`,
      captures: {
        1: { name: `punctuation.definition.character.begin${L}` },
        2: { name: `constant.character.escape${L}` },
        4: { name: `punctuation.definition.character.end${L}` },
      },
    },
    strings: {
      begin: '"',
      beginCaptures: { 0: { name: `punctuation.definition.string.begin${L}` } },
      end: r`(")|(?=$)`,
      endCaptures: { 1: { name: `punctuation.definition.string.end${L}` } },
      name: `string.quoted.double${L}`,
      patterns: [escapes],
    },
    'macro-argument': {
      patterns: [
        { match: r`\\\(\)`, name: `keyword.operator.macro.concatenation${L}` },
        { match: r`\\@`, name: `variable.language.macro.counter${L}` },
        {
          match: r`(\\)([A-Za-z_]\w*)`,
          name: `variable.parameter.macro${L}`,
          captures: { 1: { name: `punctuation.definition.variable${L}` } },
        },
      ],
    },
    relocation: {
      comment: 'sym@PLT, @function, @progbits',
      match: r`@[A-Za-z_]\w*`,
      name: `support.constant${L}`,
    },
    'location-counter': { match: r`${B}\.${E}`, name: `variable.language.location-counter${L}` },
    symbol: { match: r`${B}[A-Za-z_.][\w.$]*`, name: `variable.other.symbol${L}` },
    operators: {
      match: r`<<|>>|<=|>=|==|!=|<>|&&|\|\||[-+*/%&|^~!<>]`,
      name: `keyword.operator${L}`,
    },
    comma: { match: ',', name: `punctuation.separator.comma${L}` },
    parens: {
      patterns: [
        { match: r`\(`, name: `punctuation.section.parens.begin${L}` },
        { match: r`\)`, name: `punctuation.section.parens.end${L}` },
      ],
    },
  },
};

module.exports = grammar;

import { createRequire } from 'node:module';
import type * as TreeSitter from '@vscode/tree-sitter-wasm';
import type { Language } from '../sandbox/types.js';

/**
 * Programs compared as a parser sees them: tree-sitter's grammars for Python, C++ and Java (pure
 * WASM, from @vscode/tree-sitter-wasm: no native build, no install script). Two programs are one
 * when their syntax trees are the same, leaf texts included, with comments left out: formatting,
 * line breaks, indentation that the grammar does not read and comments do not count; identifiers,
 * literals and string contents do. In Python the tree keeps the block structure, so indentation
 * that changes which block a statement is in still counts.
 */
const require = createRequire(import.meta.url);
const GRAMMARS: Record<Language, string> = { python3: 'python', cpp: 'cpp', java: 'java' };
/** Extras that are formatting, not program: comments in every grammar, Python's `\` line joins. */
const SKIPPED = /comment|^line_continuation$/;

export class ProgramTokenizer {
  private constructor(private readonly parsers: Record<Language, TreeSitter.Parser>) {}

  /** Loads the WASM runtime and the three grammars (once per process: see `programTokenizer`). */
  static async load(): Promise<ProgramTokenizer> {
    const { Parser, Language: Grammar } = require('@vscode/tree-sitter-wasm') as typeof TreeSitter;
    await Parser.init();
    const parsers = {} as Record<Language, TreeSitter.Parser>;
    for (const [language, grammar] of Object.entries(GRAMMARS) as [Language, string][]) {
      const parser = new Parser();
      parser.setLanguage(await Grammar.load(require.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${grammar}.wasm`)));
      parsers[language] = parser;
    }
    return new ProgramTokenizer(parsers);
  }

  /**
   * The program's syntax tree as one string: `(type children…)` for inner nodes, the text of each
   * leaf, comments skipped. Equal strings mean the same program up to comments and formatting.
   */
  normalize(code: string, language: Language): string {
    const tree = this.parsers[language].parse(code);
    if (!tree) throw new Error(`tree-sitter gave no tree for a ${language} program (${code.length} characters)`);
    try {
      const out: string[] = [];
      const walk = (node: TreeSitter.Node) => {
        if (SKIPPED.test(node.type)) return;
        if (node.childCount === 0) {
          out.push(JSON.stringify(node.text));
          return;
        }
        out.push(`(${node.type}`);
        for (const child of node.children) if (child) walk(child);
        out.push(')');
      };
      walk(tree.rootNode);
      return out.join(' ');
    } finally {
      tree.delete();
    }
  }
}

let shared: Promise<ProgramTokenizer> | null = null;

/** One tokenizer per process (the grammars are a few MiB of WASM). */
export function programTokenizer(): Promise<ProgramTokenizer> {
  shared ??= ProgramTokenizer.load();
  return shared;
}

import type { Trajectory, TrajectoryNode } from './trajectory.js';

const fixed = (x: number) => x.toFixed(2);

function nodeLine(node: TrajectoryNode, chosen: number | null): string {
  const v = node.visible;
  const parts = [`#${node.id}`, node.parent === null ? 'buggy' : '', `${v.verdict} ${v.passed}/${v.total}`, `Q ${fixed(node.q)}`, `N ${node.visits}`];
  if (node.critic !== null) parts.push(`critic ${fixed(node.critic)}`);
  if (node.hidden) parts.push(`(hidden ${node.hidden.verdict} ${node.hidden.passed}/${node.hidden.total})`);
  if (node.id === chosen) parts.push('← chosen');
  return parts.filter(Boolean).join('  ');
}

/** The final verdict, with why a pass_visible_only is not a solve. */
export function verdictText(t: Pick<Trajectory, 'verdict' | 'visibleOnly'>): string {
  return t.verdict === 'pass_visible_only' ? `pass_visible_only (${t.visibleOnly ?? 'hidden tests cannot vouch'}: not counted as solved)` : t.verdict;
}

/** The tree as indented text (for `codeq search`), with the budget and the final verdict. */
export function formatTree(t: Trajectory, options: { code?: boolean } = {}): string {
  const b = t.budget;
  const lines = [
    `${t.task}  ${t.split} split  ${t.mode}  ${t.policy.model}${t.policy.adapter ? ` + ${t.policy.adapter}` : ''}  seed ${t.seed}`,
    `stopped: ${t.stop}  ·  ${b.policyCalls} policy calls, ${b.generatedTokens} tokens (critic read ${b.criticPromptTokens} prompt tokens), ${b.executions} runs, ${b.duplicates} duplicates, ${b.rollouts} rollouts, ${(b.wallMs / 1000).toFixed(1)} s`,
  ];
  const children = new Map<number, TrajectoryNode[]>();
  for (const n of t.nodes) if (n.parent !== null) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
  const chosen = t.chosen?.node ?? null;
  const walk = (node: TrajectoryNode, prefix: string, last: boolean, root: boolean) => {
    lines.push(`${root ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${nodeLine(node, chosen)}`);
    const inner = root ? '' : `${prefix}${last ? '   ' : '│  '}`;
    if (options.code) for (const l of node.code.split('\n')) lines.push(`${inner}  │ ${l}`);
    const kids = children.get(node.id) ?? [];
    kids.forEach((kid, i) => walk(kid, inner, i === kids.length - 1, false));
  };
  walk(t.nodes[0]!, '', true, true);
  const noProgram = t.expansions.reduce((sum, e) => sum + e.rewrites.filter((r) => r.node === null).length, 0);
  if (noProgram > 0) lines.push(`(${noProgram} answers held no program)`);
  if (t.chosen) {
    const { visible, hidden } = t.chosen;
    lines.push(`chosen #${t.chosen.node}: visible ${visible.verdict} ${visible.passed}/${visible.total}, hidden ${hidden ? `${hidden.verdict} ${hidden.passed}/${hidden.total}` : '(not run)'}  →  ${verdictText(t)}`);
  } else {
    lines.push('no program was proposed  →  no_program');
  }
  return `${lines.join('\n')}\n`;
}

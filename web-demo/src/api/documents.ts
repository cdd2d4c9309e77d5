// operation picks one operation out of a .graphql file that holds several
// (Reviews.graphql is the contract's list, kept whole so a Go test can
// validate it as written). urql sends a document's first operation, so each
// request gets a document of its own: that operation and the fragments it
// spreads, directly or through other fragments (a document with an unused
// fragment fails validation).
import { gql } from '@urql/core';
import type { DefinitionNode, DocumentNode, FragmentDefinitionNode, SelectionSetNode } from '@0no-co/graphql.web';

export function operation(source: string, name: string): DocumentNode {
  const doc = gql(source) as DocumentNode;
  const fragments = new Map<string, FragmentDefinitionNode>();
  let op: DefinitionNode | undefined;
  for (const d of doc.definitions) {
    if (d.kind === 'FragmentDefinition') {
      fragments.set(d.name.value, d);
    } else if (d.kind === 'OperationDefinition' && d.name?.value === name) {
      op = d;
    }
  }
  if (!op || op.kind !== 'OperationDefinition') {
    throw new Error(`no operation ${name} in the document`);
  }
  const used = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === 'FragmentSpread') {
        const f = fragments.get(s.name.value);
        if (f && !used.has(f.name.value)) {
          used.add(f.name.value);
          walk(f.selectionSet);
        }
      } else if (s.kind === 'Field' || s.kind === 'InlineFragment') {
        walk(s.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return { kind: 'Document' as DocumentNode['kind'], definitions: [op, ...[...used].map((n) => fragments.get(n)!)] } as DocumentNode;
}

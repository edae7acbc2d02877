export * from './pick-node.ts';

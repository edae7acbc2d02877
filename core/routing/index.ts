export * from './pick-node.ts';
export * from './backend.ts';
export * from './peak-ewma.ts';
export * from './breaker.ts';
export * from './retry-budget.ts';
export * from './classify.ts';
export * from './p2c.ts';
export * from './choose.ts';

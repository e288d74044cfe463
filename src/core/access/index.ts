export * from './roles.ts';
export * from './grants.ts';
export * from './run-scope.ts';

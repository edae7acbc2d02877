// Bundlers for Workers (wrangler, the vitest plugin) turn a .wasm import into a compiled module.
declare module '*.wasm' {
  const module: unknown;
  export default module;
}

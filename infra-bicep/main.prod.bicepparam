// prod: one always-ready instance keeps the HTTP trigger warm for the edge; 4 GB instances for OCR;
// purge protection on the vault. The burst secret never sits in this file: it comes from
// PROXIMA_BURST_SECRET, or from `--parameters burstSecret=...` after this file (unset: '' fails
// burstSecret's @minLength(32)).
using './main.bicep'

param environmentName = 'prod'
param aiAccountKind = 'AIServices'
param modelDeployments = [
  {
    name: 'gpt-4o-mini'
    clientModelId: 'gpt-4o-mini'
    model: 'gpt-4o-mini'
    version: '2024-07-18'
    sku: 'GlobalStandard'
    capacity: 100
  }
  {
    name: 'whisper'
    clientModelId: 'whisper-1'
    model: 'whisper'
    version: '001'
    sku: 'Standard'
    capacity: 3
  }
]
param nodeVersion = '22'
param alwaysReadyInstances = 1
param instanceMemoryMB = 4096
param maximumInstanceCount = 100
param jobRetentionDays = 7
param logRetentionDays = 90
param keyVaultPurgeProtection = true
param burstSecret = readEnvironmentVariable('PROXIMA_BURST_SECRET', '')

// dev: scale from zero (no always-ready instance), small model capacity.
// The burst secret never sits in this file: it comes from PROXIMA_BURST_SECRET, or from
// `--parameters burstSecret=...` after this file (unset: '' fails burstSecret's @minLength(32)).
using './main.bicep'

param environmentName = 'dev'
param aiAccountKind = 'AIServices'
param modelDeployments = [
  {
    name: 'gpt-4o-mini'
    clientModelId: 'gpt-4o-mini'
    model: 'gpt-4o-mini'
    version: '2024-07-18'
    sku: 'GlobalStandard'
    capacity: 10
  }
  {
    name: 'whisper'
    clientModelId: 'whisper-1'
    model: 'whisper'
    version: '001'
    sku: 'Standard'
    capacity: 1
  }
]
param nodeVersion = '22'
param alwaysReadyInstances = 0
param instanceMemoryMB = 2048
param maximumInstanceCount = 40
param jobRetentionDays = 3
param keyVaultPurgeProtection = false
param burstSecret = readEnvironmentVariable('PROXIMA_BURST_SECRET', '')

// Proxima's Azure side (issue 13): the burst Function App on Flex Consumption, its Storage account,
// Key Vault, monitoring and an Azure AI Foundry / Azure OpenAI account, all reached through one
// user-assigned identity. Deploy: docs/deploy.md. No Bicep compiler reaches the machines this was
// written on: scripts/bicep-checks checks it as text, and tests/bicep.test.ts builds it when a
// `bicep` CLI is on the PATH.
targetScope = 'resourceGroup'

@description('One model deployment on the AI account.')
type modelDeployment = {
  @description('Deployment name: what FOUNDRY_DEPLOYMENTS maps the client model id to.')
  name: string
  @description('The model id clients send (the edge forwards it), e.g. gpt-4o-mini.')
  clientModelId: string
  @description('The model as the model catalogue names it.')
  model: string
  @description('The model version, e.g. 2024-07-18.')
  version: string
  @description('Model format: OpenAI (the default) for OpenAI models; others name their publisher.')
  format: string?
  @description('Deployment SKU, e.g. GlobalStandard or Standard.')
  sku: string
  @description('Capacity in units of 1,000 tokens per minute.')
  capacity: int
}

@description('dev or prod: part of every resource name, so both can live in one subscription.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Region of every resource: it must offer Flex Consumption and the chosen models.')
param location string = resourceGroup().location

@description('AIServices (Azure AI Foundry) or OpenAI (Azure OpenAI).')
@allowed([
  'AIServices'
  'OpenAI'
])
param aiAccountKind string = 'AIServices'

@description('The models the burst jobs may use and the deployments serving them.')
param modelDeployments modelDeployment[]

// Flex Consumption's Node.js versions are per region (az functionapp list-flexconsumption-runtimes
// --location <region> --runtime node). Node.js 22 is GA there; 24 was listed as preview when this
// was written, so 22 is the default. The bundle targets node22 (scripts/deploy-check).
@description('Node.js major version of the Function App.')
@allowed([
  '20'
  '22'
  '24'
])
param nodeVersion string = '22'

@description('Instances kept warm for the HTTP trigger, billed while idle. dev: 0; prod: 1 or more.')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int

@description('Memory per Function App instance in MB: OCR wants 4096.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the Function App scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Days job inputs and results stay in Blob storage.')
@minValue(1)
@maxValue(365)
param jobRetentionDays int = 7

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Key Vault purge protection (cannot be turned off again). On for prod.')
param keyVaultPurgeProtection bool = false

@description('The burst HMAC key, 32+ characters: the edge gets the same value as BURST_SECRET.')
@secure()
@minLength(32)
param burstSecret string

// Unique per resource group, so names that must be globally unique are.
var suffix = uniqueString(resourceGroup().id)
var identityName = 'id-proxima-${environmentName}-${suffix}'
var storageAccountName = 'stproxima${environmentName}${take(suffix, 11)}'
var keyVaultName = 'kv-proxima-${environmentName}-${take(suffix, 6)}'
var workspaceName = 'log-proxima-${environmentName}-${suffix}'
var appInsightsName = 'appi-proxima-${environmentName}-${suffix}'
var aiAccountName = 'ai-proxima-${environmentName}-${suffix}'
var planName = 'plan-proxima-${environmentName}-${suffix}'
var functionAppName = 'func-proxima-${environmentName}-${suffix}'
var deploymentContainerName = 'app-package'
var burstSecretName = 'proxima-burst-secret'
var foundryDeployments = join(map(modelDeployments, d => '${d.clientModelId}=${d.name}'), ',')

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    identityName: identityName
    location: location
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    accountName: storageAccountName
    location: location
    deploymentContainerName: deploymentContainerName
    jobRetentionDays: jobRetentionDays
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: workspaceName
    appInsightsName: appInsightsName
    location: location
    retentionInDays: logRetentionDays
  }
}

module ai 'modules/ai.bicep' = {
  name: 'ai'
  params: {
    accountName: aiAccountName
    location: location
    kind: aiAccountKind
    deployments: modelDeployments
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    vaultName: keyVaultName
    location: location
    secretName: burstSecretName
    purgeProtection: keyVaultPurgeProtection
    burstSecret: burstSecret
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    aiAccountName: ai.outputs.name
    keyVaultName: keyVault.outputs.name
    secretName: burstSecretName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  // The host reads its storage, package and secret with the identity's roles from its first start.
  dependsOn: [
    roles
  ]
  params: {
    appName: functionAppName
    planName: planName
    location: location
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsName: monitoring.outputs.appInsightsName
    foundryEndpoint: ai.outputs.endpoint
    foundryDeployments: foundryDeployments
    burstSecretUri: keyVault.outputs.secretUri
    nodeVersion: nodeVersion
    alwaysReadyInstances: alwaysReadyInstances
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

@description('The edge\'s AZURE_FUNCTION_URL: the Function App\'s base URL (the edge adds /api/jobs).')
output azureFunctionUrl string = 'https://${functionApp.outputs.defaultHostName}'

@description('Where burst jobs are posted: POST /api/jobs, GET /api/jobs/{id} (core/jobs/wire.ts).')
output functionUrl string = 'https://${functionApp.outputs.defaultHostName}/api/jobs'

@description('The Function App, for az functionapp deployment source config-zip.')
output functionAppName string = functionApp.outputs.name

@description('Key Vault URI of the burst secret (a reference; the value never leaves the vault).')
output burstSecretUri string = keyVault.outputs.secretUri

@description('Client id of the Function App identity.')
output identityClientId string = identity.outputs.clientId

@description('FOUNDRY_ENDPOINT as set on the Function App.')
output foundryEndpoint string = ai.outputs.endpoint

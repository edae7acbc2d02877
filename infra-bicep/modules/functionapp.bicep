// The burst Function App on the Flex Consumption plan (Linux, FC1): Node.js, its package in a
// blob container read with the user-assigned identity, and app settings that hold no secret (the
// burst key is a Key Vault reference; Storage, Foundry and telemetry use the identity).

@description('Function App name: 2-60 letters, digits and hyphens; its host is <name>.azurewebsites.net.')
param appName string

@description('Flex Consumption plan name.')
param planName string

@description('Region of the plan and the app: one that offers Flex Consumption.')
param location string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of that identity (what DefaultAzureCredential and the host use to pick it).')
param identityClientId string

@description('The Storage account for AzureWebJobsStorage and the jobs.')
param storageAccountName string

@description('URL of the blob container holding the app package.')
param deploymentContainerUrl string

@description('The Application Insights component.')
param appInsightsName string

@description('FOUNDRY_ENDPOINT: https://<subdomain>.openai.azure.com/openai/v1/')
param foundryEndpoint string

@description('FOUNDRY_DEPLOYMENTS: model=deployment,... (client model id to Foundry deployment).')
param foundryDeployments string

@description('Versionless URI of the burst secret in Key Vault (a reference, not the value).')
param burstSecretUri string

@description('Node.js major version of the Flex Consumption runtime.')
param nodeVersion string

@description('Instances kept warm for the HTTP trigger (billed while idle). 0: scale from zero.')
param alwaysReadyInstances int

@description('Memory of each instance in MB (CPU scales with it).')
param instanceMemoryMB int

@description('Upper bound on instances the app scales out to.')
param maximumInstanceCount int

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity (the app has no system-assigned one).
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        // HTTP triggers scale as one group ('http'); the queue trigger scales on its own and
        // starts cold, which a queued job can afford and the edge's 202 cannot.
        alwaysReady: alwaysReadyInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
        ] : []
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Flex Consumption takes the language from functionAppConfig.runtime: FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE are not set here.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    AZURE_CLIENT_ID: identityClientId
    FOUNDRY_ENDPOINT: foundryEndpoint
    FOUNDRY_DEPLOYMENTS: foundryDeployments
    PROXIMA_BURST_SECRET: '@Microsoft.KeyVault(SecretUri=${burstSecretUri})'
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName

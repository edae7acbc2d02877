// The Azure AI Foundry (kind AIServices) or Azure OpenAI (kind OpenAI) account the burst jobs call,
// and its model deployments. Keys are off (disableLocalAuth): the Function App's identity holds
// Cognitive Services OpenAI User. The custom subdomain gives the v1 endpoint
// https://<subdomain>.openai.azure.com/openai/v1/ that FOUNDRY_ENDPOINT names.

@description('Account name; also its custom subdomain (2-64 lowercase letters, digits and hyphens).')
param accountName string

@description('Region of the account: the models and their SKUs must be offered there.')
param location string

@description('AIServices (Azure AI Foundry) or OpenAI (Azure OpenAI).')
@allowed([
  'AIServices'
  'OpenAI'
])
param kind string

@description('Model deployments: { name, model, version, format?, sku, capacity } each (see main.bicep).')
param deployments array

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: accountName
  location: location
  kind: kind
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: accountName
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// One at a time: the account refuses concurrent changes to its deployments.
@batchSize(1)
resource modelDeployments 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = [
  for d in deployments: {
    parent: account
    name: d.name
    sku: {
      name: d.sku
      capacity: d.capacity
    }
    properties: {
      model: {
        format: d.?format ?? 'OpenAI'
        name: d.model
        version: d.version
      }
    }
  }
]

output name string = account.name
output endpoint string = 'https://${account.properties.customSubDomainName}.openai.azure.com/openai/v1/'

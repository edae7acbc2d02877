// The one user-assigned identity the Function App runs as: Storage (host and jobs), Key Vault,
// the AI account and Application Insights all trust it, so no key or connection string exists.

@description('Name of the identity.')
param identityName string

@description('Region of the identity.')
param location string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId

// A Key Vault in RBAC mode holding the burst secret (the HMAC key shared with the edge). The
// Function App reads it through a Key Vault reference; no output carries the value.

@description('Vault name: 3-24 letters, digits and hyphens, starting with a letter, globally unique.')
param vaultName string

@description('Region of the vault.')
param location string

@description('Name of the secret holding the burst HMAC key.')
param secretName string

@description('Purge protection: once on it cannot be turned off, and a deleted vault keeps its name for 90 days.')
param purgeProtection bool

@description('The burst HMAC key (PROXIMA_BURST_SECRET on the Function App, BURST_SECRET on the edge).')
@secure()
@minLength(32)
param burstSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API refuses an explicit false: leave it unset unless it is turned on.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    value: burstSecret
    contentType: 'HMAC-SHA-256 key shared with the edge'
  }
}

output name string = vault.name
// The versionless URI, so a Key Vault reference follows a rotated secret. A reference, not a value.
output secretUri string = secret.properties.secretUri

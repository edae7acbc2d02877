// Azure built-in role definition ids the templates assign, as listed on Microsoft Learn's "Azure
// built-in roles" page (learn.microsoft.com/azure/role-based-access-control/built-in-roles, checked
// when these templates were written), and the one resource type each may be scoped to here.

export interface BuiltInRole {
  readonly name: string;
  readonly id: string;
  /** Resource types an assignment of this role may be scoped to: never a group or subscription. */
  readonly scopes: readonly string[];
}

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    name: 'Storage Blob Data Owner',
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    scopes: ['Microsoft.Storage/storageAccounts'],
  },
  {
    name: 'Storage Queue Data Contributor',
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    scopes: ['Microsoft.Storage/storageAccounts'],
  },
  {
    name: 'Storage Table Data Contributor',
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    scopes: ['Microsoft.Storage/storageAccounts'],
  },
  {
    name: 'Cognitive Services OpenAI User',
    id: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
    scopes: ['Microsoft.CognitiveServices/accounts'],
  },
  {
    name: 'Key Vault Secrets User',
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    scopes: ['Microsoft.KeyVault/vaults', 'Microsoft.KeyVault/vaults/secrets'],
  },
  {
    name: 'Monitoring Metrics Publisher',
    id: '3913510d-42f4-4e42-8a64-420c390055eb',
    scopes: ['Microsoft.Insights/components'],
  },
];

/** 'Storage Blob Data Owner' and 'storageBlobDataOwner' both → 'storageblobdataowner'. */
export function roleKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// Azure's naming rules for the resource types the templates create (Microsoft Learn, "Naming rules
// and restrictions for Azure resources"): length and the characters allowed.

export interface NameRule {
  readonly min: number;
  readonly max: number;
  /** Every character a name may contain. */
  readonly chars: string;
  /** Characters a name may start with (default: any of `chars`). */
  readonly first?: string;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const ALNUM = LOWER + UPPER + DIGITS;

/** By resource type; names of resources made in a loop come from parameters and are not held here. */
export const NAME_RULES: ReadonlyMap<string, NameRule> = new Map([
  ['Microsoft.Storage/storageAccounts', { min: 3, max: 24, chars: LOWER + DIGITS }],
  [
    'Microsoft.Storage/storageAccounts/blobServices/containers',
    { min: 3, max: 63, chars: LOWER + DIGITS + '-', first: LOWER + DIGITS },
  ],
  [
    'Microsoft.Storage/storageAccounts/queueServices/queues',
    { min: 3, max: 63, chars: LOWER + DIGITS + '-', first: LOWER + DIGITS },
  ],
  [
    'Microsoft.Storage/storageAccounts/tableServices/tables',
    { min: 3, max: 63, chars: ALNUM, first: LOWER + UPPER },
  ],
  ['Microsoft.KeyVault/vaults', { min: 3, max: 24, chars: ALNUM + '-', first: LOWER + UPPER }],
  ['Microsoft.KeyVault/vaults/secrets', { min: 1, max: 127, chars: ALNUM + '-' }],
  ['Microsoft.Web/sites', { min: 2, max: 60, chars: ALNUM + '-', first: ALNUM }],
  ['Microsoft.Web/serverfarms', { min: 1, max: 60, chars: ALNUM + '-' }],
  ['Microsoft.CognitiveServices/accounts', { min: 2, max: 64, chars: ALNUM + '-', first: ALNUM }],
  [
    'Microsoft.OperationalInsights/workspaces',
    { min: 4, max: 63, chars: ALNUM + '-', first: ALNUM },
  ],
  ['Microsoft.Insights/components', { min: 1, max: 260, chars: ALNUM + '-._()' }],
  [
    'Microsoft.ManagedIdentity/userAssignedIdentities',
    { min: 3, max: 128, chars: ALNUM + '-_', first: ALNUM },
  ],
  ['Microsoft.Authorization/roleAssignments', { min: 36, max: 36, chars: '0123456789abcdef-' }],
]);

/** A Cognitive Services custom subdomain is a DNS label: lowercase. */
export const SUBDOMAIN_RULE: NameRule = {
  min: 2,
  max: 64,
  chars: LOWER + DIGITS + '-',
  first: LOWER + DIGITS,
};

import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.testing.ts';
import { openAiError, useAdminEnv, useStandInEdge } from './stand-in-edge.testing.ts';

useAdminEnv();

describe('tenants remove: validation (nothing is sent)', () => {
  const edge = ['--edge', 'http://127.0.0.1:9'];
  it.each([
    [['admin', 'tenants', 'remove', ...edge], "missing required argument 'tenant'"],
    [['admin', 'tenants', 'remove', ...edge, 'a b'], '1-64 characters'],
    [['admin', 'tenants', 'remove', ...edge, 'acme', 'labs'], 'too many arguments'],
  ])('rejects %j with a clear message', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('tenants remove against a stand-in for the edge admin API', () => {
  const edge = useStandInEdge();

  it('DELETEs the tenant and says so', async () => {
    edge.reply('DELETE /admin/tenants/labs', 200, { tenant: 'labs', removed: true });
    const result = await runCli(['admin', 'tenants', 'remove', 'labs']);
    expect(result).toEqual({
      code: 0,
      stdout: 'Removed tenant labs and its limits.\n',
      stderr: '',
    });
    expect(edge.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /admin/tenants/labs',
    ]);
  });

  it("409 while it has keys: the edge's message, then how to list those keys", async () => {
    edge.reply(
      'DELETE /admin/tenants/acme',
      409,
      openAiError("Tenant 'acme' still has 2 API keys; revoke them first.", 'conflict'),
    );
    const result = await runCli(['admin', 'tenants', 'remove', 'acme']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "proxima: 409 Tenant 'acme' still has 2 API keys; revoke them first. List its keys with: proxima admin keys list --tenant acme\n",
    });
  });

  it('404 for an unknown tenant is printed as the edge says, with no hint', async () => {
    edge.reply('DELETE /admin/tenants/ghost', 404, openAiError("No tenant 'ghost'.", 'not_found'));
    const result = await runCli(['admin', 'tenants', 'remove', 'ghost']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: "proxima: 404 No tenant 'ghost'.\n" });
  });
});

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;
using IbmiMcp.Mapepire.Messages;
using IbmiMcp.Mcp;
using IbmiMcp.Tools;

namespace IbmiMcp.Fuzz;

/// <summary>
/// One entry per parser that reads bytes from outside the process. Each target feeds the input to the parser and
/// lets only the failures that parser documents pass (a rejection value, or the exception type it is specified to
/// throw); anything else — an unexpected exception, a hang, a crash — is a finding.
/// </summary>
public static class Targets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["envelope"] = Envelope,
        ["envelope-plaintext"] = EnvelopePlaintext,
        ["mapepire-reply"] = MapepireReply,
        ["yaml-tools"] = YamlTools,
        ["sql"] = Sql,
        ["jsonrpc-fast-path"] = JsonRpcFastPath,
        ["dotenv"] = DotEnv,
        ["mcp-request"] = McpRequestTarget.Run,
        ["oauth-registration"] = OAuthRegistration,
        ["oauth-client-metadata"] = OAuthClientMetadata,
    };

    // POST /oauth/register (RFC 7591): any body a stranger sends; a refusal names an RFC 7591 error.
    private static void OAuthRegistration(byte[] input)
    {
        if (IbmiMcp.OAuth.ClientRegistration.TryParse(input, 1, out var client, out var refusal))
        {
            if (client!.RedirectUris.Length is 0 or > IbmiMcp.OAuth.ClientRegistration.MaxRedirectUris)
                throw new InvalidOperationException("a client with no or too many redirect URIs was accepted");
            _ = client.ToJson();
        }
        else if (refusal.Error is not ("invalid_client_metadata" or "invalid_redirect_uri"))
            throw new InvalidOperationException($"registration refused with {refusal.Error}");
    }

    // A Client ID Metadata Document: whatever the URL a client chose answers.
    private static void OAuthClientMetadata(byte[] input)
    {
        const string Id = "https://client.example/metadata.json";
        if (IbmiMcp.OAuth.ClientMetadataDocuments.TryParse(Id, input, 1, out var client, out var refusal))
        {
            if (client!.ClientId != Id || client.RedirectUris.Length == 0)
                throw new InvalidOperationException("a document for another client or without redirect URIs was accepted");
            _ = client.Allows("http://127.0.0.1:1/cb");
        }
        else if (refusal.Length == 0)
            throw new InvalidOperationException("refused without a reason");
    }

    // POST /api/v1/auth: the whole body, decrypted with a fixed server key (the outer JSON, base64, sizes, the RSA and GCM steps).
    private static readonly Lazy<KeyRing> Ring = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("ibmi-fuzz").FullName;
        using var rsa = RSA.Create(2048);
        File.WriteAllText(Path.Combine(dir, "private.pem"), rsa.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path.Combine(dir, "private.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(dir, "public.pem"), rsa.ExportSubjectPublicKeyInfoPem());
        var errors = new List<string>();
        return KeyRing.Load("fuzz", Path.Combine(dir, "private.pem"), Path.Combine(dir, "public.pem"), null, errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors));
    });

    private static void Envelope(byte[] input)
    {
        if (CredentialEnvelope.TryOpen(input, Ring.Value, out var request, out var rejection))
            request!.Dispose();
        else if (rejection.Status is < 400 or > 499)
            throw new InvalidOperationException($"envelope rejection with status {rejection.Status}");
    }

    // The decrypted payload: {"username":…,"password":…,"host":…,…} as an attacker who holds the public key sends it.
    private static void EnvelopePlaintext(byte[] input)
    {
        if (CredentialEnvelope.TryParsePlaintext(input, out var request, out var rejection))
            request!.Dispose();
        else if (rejection.Status is < 400 or > 499)
            throw new InvalidOperationException($"plaintext rejection with status {rejection.Status}");
    }

    // A reply from a hostile or broken Mapepire server: parse, read the status, the error, the metadata and every cell.
    private static void MapepireReply(byte[] input)
    {
        MapepireResponse reply;
        try { reply = MapepireResponse.Parse(input, input.Length, pooled: false); }
        catch (JsonException) { return; }          // not JSON: the connection is broken as a protocol error
        catch (MapepireException) { return; }      // JSON but not a Mapepire reply
        using (reply)
        {
            if (!reply.Success)
            {
                _ = reply.ErrorText;
                _ = reply.ToException();
                return;
            }
            var block = QueryBlock.Read(reply.Root);
            var columns = block.ReadColumns();
            _ = block.RowCount;
            if (block.Data.ValueKind == JsonValueKind.Array)
                foreach (var row in block.Data.EnumerateArray())
                    if (row.ValueKind == JsonValueKind.Array)
                        foreach (var cell in row.EnumerateArray()) _ = cell.ValueKind;
            _ = columns.Length;
        }
    }

    // A YAML tools file (TOOLS_YAML_PATH, --tools): load, validate, build schemas; errors come back as a list.
    private static void YamlTools(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        _ = ToolCatalogLoader.LoadText("fuzz.yaml", text);
    }

    // SQL from tools and from execute_sql: tokenizer, read-only classifier, binder plan.
    private static void Sql(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        _ = SqlStatementClassifier.CheckReadOnly(text);
        _ = SqlStatementClassifier.CheckSingleStatement(text);
        var parameters = new List<ToolParameter>
        {
            new() { Name = "a", Type = ToolParameterType.String },
            new() { Name = "ids", Type = ToolParameterType.Array, ItemType = ToolParameterType.Integer },
        };
        var plan = SqlBindPlan.Compile(text, parameters, []);
        if (plan is { Mode: not ParameterMode.DirectSubstitution })
            _ = plan.Bind([ArgumentValue.String("x'; --"), ArgumentValue.Array([SqlValue.From(1L), SqlValue.From(2L)])]);
        _ = SqlBindPlan.WithoutTerminator(text);
    }

    // The JSON-RPC fast path's own reader of /mcp bodies (everything it does not take goes to the SDK).
    private static void JsonRpcFastPath(byte[] input)
    {
        if (McpFastPath.TryReadEnvelope(input, out var method, out var idStart, out var idLength, out var paramsStart, out var paramsLength)
            && method == McpFastPath.Method.ToolsCall && paramsLength > 0)
        {
            if (idStart + idLength > input.Length || paramsStart + paramsLength > input.Length)
                throw new InvalidOperationException("fast path returned a range outside the body");
            _ = McpFastPath.TryReadCallParams(input.AsSpan(paramsStart, paramsLength), out _, out _, out _);
        }
    }

    // A .env file (MCP_SERVER_CONFIG): malformed lines become errors, never exceptions.
    private static void DotEnv(byte[] input)
    {
        var errors = new List<string>();
        _ = DotEnvFile.Parse(Encoding.UTF8.GetString(input), "fuzz.env", errors);
    }
}

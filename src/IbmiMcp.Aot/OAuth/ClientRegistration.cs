using System.Text.Json;

namespace IbmiMcp.OAuth;

/// <summary>
/// Dynamic Client Registration (RFC 7591) for public MCP clients: what a request may ask for and the refusals.
/// Only public clients (<c>none</c>) with the code grant; redirect URIs are https, loopback http (any port at use,
/// RFC 8252) or a private-use scheme (cursor://…, vscode://…), never a script, data or file URI.
/// </summary>
internal static class ClientRegistration
{
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxRedirectUris = 10;
    public const int MaxNameLength = 200;
    private static readonly string[] s_forbiddenSchemes = ["javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"];

    public readonly record struct Refusal(string Error, string Description);

    public static bool TryParse(ReadOnlySpan<byte> body, long issuedAt, out OAuthClient? client, out Refusal refusal)
    {
        client = null;
        try
        {
            return TryParseJson(body, issuedAt, out client, out refusal);
        }
        catch (InvalidOperationException)
        {
            // JsonDocument accepts a string with invalid UTF-8 and throws only when it is read (found by the fuzzer).
            return Fail(out refusal, "invalid_client_metadata", "the body is not valid UTF-8");
        }
    }

    private static bool TryParseJson(ReadOnlySpan<byte> body, long issuedAt, out OAuthClient? client, out Refusal refusal)
    {
        client = null;
        refusal = default;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body.ToArray()); }
        catch (JsonException) { return Fail(out refusal, "invalid_client_metadata", "the body is not JSON"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail(out refusal, "invalid_client_metadata", "the body is not a JSON object");
            if (!root.TryGetProperty("redirect_uris", out var uris) || uris.ValueKind != JsonValueKind.Array || uris.GetArrayLength() == 0)
                return Fail(out refusal, "invalid_redirect_uri", "redirect_uris: at least one redirect URI is required");
            if (uris.GetArrayLength() > MaxRedirectUris)
                return Fail(out refusal, "invalid_redirect_uri", $"redirect_uris: at most {MaxRedirectUris}");
            var redirects = new List<string>();
            foreach (var uri in uris.EnumerateArray())
            {
                if (uri.ValueKind != JsonValueKind.String)
                    return Fail(out refusal, "invalid_redirect_uri", "redirect_uris: each must be a string");
                if (!IsAcceptableRedirect(uri.GetString()!, out var why))
                    return Fail(out refusal, "invalid_redirect_uri", $"redirect_uris: {why}");
                redirects.Add(uri.GetString()!);
            }
            if (root.TryGetProperty("token_endpoint_auth_method", out var method)
                && (method.ValueKind != JsonValueKind.String || method.GetString() != "none"))
                return Fail(out refusal, "invalid_client_metadata", "token_endpoint_auth_method: only \"none\" (public clients with PKCE)");
            if (!SubsetOf(root, "grant_types", ["authorization_code", "refresh_token"], out var grants))
                return Fail(out refusal, "invalid_client_metadata", $"grant_types: only authorization_code and refresh_token, not {grants}");
            if (!SubsetOf(root, "response_types", ["code"], out var responses))
                return Fail(out refusal, "invalid_client_metadata", $"response_types: only code, not {responses}");
            var name = "Unnamed MCP client";
            if (root.TryGetProperty("client_name", out var n))
            {
                if (n.ValueKind != JsonValueKind.String || n.GetString()!.Length is 0 or > MaxNameLength)
                    return Fail(out refusal, "invalid_client_metadata", $"client_name: a string of 1 to {MaxNameLength} characters");
                name = n.GetString()!;
            }
            client = new OAuthClient(OAuthClient.NewClientId(), name, [.. redirects], issuedAt);
            return true;
        }
    }

    internal static bool IsAcceptableRedirect(string value, out string why)
    {
        why = "";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)) { why = $"'{value}' is not an absolute URI"; return false; }
        if (!string.IsNullOrEmpty(uri.Fragment)) { why = $"'{value}' has a fragment"; return false; }
        if (uri.Scheme == Uri.UriSchemeHttps) return true;
        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (uri.IsLoopback) return true;
            why = $"'{value}': plain http only for loopback redirects (127.0.0.1, [::1], localhost)";
            return false;
        }
        if (Array.IndexOf(s_forbiddenSchemes, uri.Scheme) >= 0) { why = $"'{value}': the {uri.Scheme} scheme cannot be a redirect"; return false; }
        return true;   // a private-use scheme of a native app (RFC 8252 §7.1)
    }

    private static bool SubsetOf(JsonElement root, string name, string[] allowed, out string offending)
    {
        offending = "";
        if (!root.TryGetProperty(name, out var values)) return true;
        if (values.ValueKind != JsonValueKind.Array) { offending = "a non-array"; return false; }
        foreach (var v in values.EnumerateArray())
            if (v.ValueKind != JsonValueKind.String || Array.IndexOf(allowed, v.GetString()) < 0) { offending = v.ToString(); return false; }
        return true;
    }

    private static bool Fail(out Refusal refusal, string error, string description)
    {
        refusal = new Refusal(error, description);
        return false;
    }
}

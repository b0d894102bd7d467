using System.Net;
using System.Reflection;
using System.Text;
using IbmiMcp.Http;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.OAuth;

/// <summary>
/// The IBM i sign-in page of the authorization endpoint: an embedded HTML template, its stylesheet and script (no
/// inline script or style, so the CSP can forbid both). Every value put into the page is HTML-encoded.
/// </summary>
internal static class SignInPage
{
    /// <summary>The OAuth parameters the page carries from the GET to its POST; nothing else is echoed back.</summary>
    internal static readonly string[] CarriedParameters =
        ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "resource"];

    private static readonly string s_template = Read("signin.html");
    private static readonly byte[] s_script = Encoding.UTF8.GetBytes(Read("signin.js"));
    private static readonly byte[] s_style = Encoding.UTF8.GetBytes(Read("signin.css"));

    /// <param name="ClientNote">What the client's name is worth (operator-registered, published, or self-registered) and where the user returns.</param>
    /// <param name="Hosts">The IBM i systems to choose from (one: no choice shown).</param>
    internal readonly record struct Model(string ClientName, string ClientNote, IReadOnlyList<string> Hosts, string KeyId, string PublicKeyPem, string Csrf,
        IReadOnlyList<KeyValuePair<string, string>> Fields, string? Error = null, string? User = null);

    public static string Render(in Model model)
    {
        var fields = new StringBuilder();
        foreach (var (name, value) in model.Fields)
            fields.Append("<input type=\"hidden\" name=\"").Append(Encode(name)).Append("\" value=\"").Append(Encode(value)).Append("\">\n");
        var systems = new StringBuilder();
        if (model.Hosts.Count > 1)
        {
            systems.Append("<label for=\"system\">IBM i system</label>\n<select id=\"system\">");
            foreach (var host in model.Hosts) systems.Append("<option>").Append(Encode(host)).Append("</option>");
            systems.Append("</select>\n");
        }
        return s_template
            .Replace("{{client}}", Encode(model.ClientName))
            .Replace("{{clientNote}}", Encode(model.ClientNote))
            .Replace("{{host}}", Encode(model.Hosts.Count > 1 ? "the IBM i system you choose" : model.Hosts[0]))
            .Replace("{{defaultHost}}", Encode(model.Hosts[0]))
            .Replace("{{systems}}", systems.ToString())
            .Replace("{{keyId}}", Encode(model.KeyId))
            .Replace("{{publicKey}}", Encode(model.PublicKeyPem))
            .Replace("{{csrf}}", Encode(model.Csrf))
            .Replace("{{user}}", Encode(model.User ?? ""))
            .Replace("{{error}}", Encode(model.Error ?? ""))
            .Replace("{{errorHidden}}", model.Error is null ? " hidden" : "")
            .Replace("{{fields}}", fields.ToString());
    }

    /// <summary>
    /// The page's headers: no script or style but the server's own files, forms only to this server and, after the
    /// sign-in, the client's redirect URI (browsers apply form-action to the redirect that answers the POST), never
    /// framed, never cached, no referrer.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, string html, string? redirectOrigin, int status = 200)
    {
        var response = context.Response;
        var formAction = redirectOrigin is null ? "'self'" : $"'self' {redirectOrigin}";
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action {formAction}; frame-ancestors 'none'; base-uri 'none'";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        await HttpBody.WriteAsync(context, status, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html)).ConfigureAwait(false);
    }

    /// <summary>GET /oauth/assets/signin.js or signin.css; false for any other asset name.</summary>
    public static async Task<bool> TryWriteAssetAsync(HttpContext context, string name)
    {
        var (bytes, type) = name switch
        {
            "signin.js" => (s_script, "text/javascript; charset=utf-8"),
            "signin.css" => (s_style, "text/css; charset=utf-8"),
            _ => (null, ""),
        };
        if (bytes is null) return false;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await HttpBody.WriteAsync(context, 200, type, bytes, cacheControl: "no-cache").ConfigureAwait(false);
        return true;
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("IbmiMcp.OAuth.Assets." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

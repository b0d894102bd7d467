using System.Collections;
using IbmiMcp.Configuration;
using IbmiMcp.OAuth;

namespace IbmiMcp.Tests.OAuth;

public sealed class OAuthSettingsTests
{
    private static ConfigurationLoader.Result Load(params (string Name, string Value)[] settings)
    {
        var env = new Hashtable
        {
            ["MCP_SERVER_CONFIG"] = "", ["MCP_TRANSPORT_TYPE"] = "http", ["MCP_AUTH_MODE"] = "ibmi",
            ["IBMI_HTTP_AUTH_ENABLED"] = "true",
        };
        foreach (var (name, value) in settings) env[name] = value;
        return ConfigurationLoader.Load(new Dictionary<string, string>(), env, Path.GetTempPath());
    }

    private static IEnumerable<string> OAuthErrors(ConfigurationLoader.Result r) =>
        r.Errors.Where(e => e.StartsWith("IBMI_AUTH_OAUTH_SERVER", StringComparison.Ordinal) || e.StartsWith("IBMI_PUBLIC_URL", StringComparison.Ordinal)
            || e.StartsWith("IBMI_OAUTH", StringComparison.Ordinal));

    [Fact]
    public void Defaults_are_a_60_second_code_a_7_day_grant_registration_and_metadata_documents_on()
    {
        var o = Load(("IBMI_AUTH_OAUTH_SERVER", "true")).Options;
        Assert.True(o.OAuthServer);
        Assert.Equal(60, o.OAuthCodeLifetimeSeconds);
        Assert.Equal(7 * 86_400, o.OAuthMaxGrantSeconds);
        Assert.True(o.OAuthRegistration);
        Assert.True(o.OAuthClientMetadataDocuments);
        Assert.Equal(20, o.OAuthRegistrationsPerHour);
        Assert.Equal(10_000, o.OAuthMaxClients);
    }

    [Fact]
    public void The_authorization_server_needs_ibmi_mode_and_http()
    {
        var r = Load(("IBMI_AUTH_OAUTH_SERVER", "true"), ("MCP_AUTH_MODE", "jwt"), ("MCP_AUTH_SECRET_KEY", new string('k', 40)), ("MCP_TRANSPORT_TYPE", "stdio"));
        var errors = OAuthErrors(r).ToList();
        Assert.Contains(errors, e => e.Contains("MCP_AUTH_MODE=ibmi", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MCP_TRANSPORT_TYPE=http", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://mcp.example.com", "not an http(s) URL")]
    [InlineData("https://mcp.example.com/?x=1", "not an http(s) URL")]
    [InlineData("https://user@mcp.example.com", "not an http(s) URL")]
    [InlineData("mcp.example.com", "not an http(s) URL")]
    [InlineData("http://mcp.example.com", "plain http on a non-loopback host")]
    public void A_bad_public_url_is_refused_by_name(string url, string reason)
    {
        var errors = OAuthErrors(Load(("IBMI_AUTH_OAUTH_SERVER", "true"), ("IBMI_PUBLIC_URL", url))).ToList();
        Assert.Contains(errors, e => e.StartsWith("IBMI_PUBLIC_URL", StringComparison.Ordinal) && e.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://mcp.example.com")]
    [InlineData("https://mcp.example.com/ibmi/")]
    [InlineData("http://127.0.0.1:3010")]
    public void A_good_public_url_is_taken_without_its_trailing_slash(string url)
    {
        var r = Load(("IBMI_AUTH_OAUTH_SERVER", "true"), ("IBMI_PUBLIC_URL", url));
        Assert.Empty(OAuthErrors(r));
        Assert.Equal(url.TrimEnd('/'), r.Options.PublicUrl);
    }

    [Theory]
    [InlineData("IBMI_OAUTH_CODE_LIFETIME_SECONDS", "61")]
    [InlineData("IBMI_OAUTH_CODE_LIFETIME_SECONDS", "0")]
    [InlineData("IBMI_OAUTH_MAX_GRANT_SECONDS", "60")]
    [InlineData("IBMI_OAUTH_MAX_GRANT_SECONDS", "99999999")]
    [InlineData("IBMI_OAUTH_REGISTRATION", "maybe")]
    public void Out_of_range_settings_are_refused_by_name(string name, string value)
    {
        var r = Load(("IBMI_AUTH_OAUTH_SERVER", "true"), (name, value));
        Assert.Contains(r.Errors, e => e.StartsWith(name, StringComparison.Ordinal));
    }

    [Fact]
    public void Issuer_and_resource_come_from_the_public_url_or_the_listening_address()
    {
        var problems = new List<string>();
        var behindProxy = OAuthSettings.From(new ServerOptions { PublicUrl = "https://mcp.example.com", HttpEndpointPath = "/mcp" }, 3010, problems);
        Assert.Equal("https://mcp.example.com/", behindProxy.Issuer.AbsoluteUri);
        Assert.Equal("https://mcp.example.com/mcp", behindProxy.Resource);

        var direct = OAuthSettings.From(new ServerOptions { HttpHost = "0.0.0.0", HttpPort = 3010, HttpEndpointPath = "/mcp" }, 3010, problems);
        Assert.Equal("http://localhost:3010/", direct.Issuer.AbsoluteUri);
        Assert.Empty(problems);

        OAuthSettings.From(new ServerOptions { HttpPort = 0 }, 0, problems);
        Assert.Contains(problems, p => p.StartsWith("IBMI_PUBLIC_URL", StringComparison.Ordinal));
    }
}

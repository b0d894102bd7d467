using IbmiMcp.Tests.TestSupport;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Tests.Mcp;

public sealed class McpBearerAuthTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    private static string HsToken(string secret, Dictionary<string, object> claims, DateTime? expires = null, DateTime? notBefore = null)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Expires = expires,
            NotBefore = notBefore,
            IssuedAt = notBefore,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }

    private static Dictionary<string, object> Claims(string? cid = "agent-1", object? scp = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "someone" };
        if (cid is not null)
            claims["cid"] = cid;
        if (scp is not null)
            claims["scp"] = scp;
        return claims;
    }

    private static Task<McpTestServer> StartJwtAsync()
    {
        var options = new ServerOptions { Transport = TransportKind.Http, AuthMode = AuthMode.Jwt, AuthSecretKey = Secret };
        return McpTestServer.StartAsync(options, auth: McpAuthenticators.Create(options, null, null, NullLoggerFactory.Instance));
    }

    private static HttpRequestMessage CallWith(string? token)
    {
        var request = McpTestServer.Post(McpTestServer.Call("echo", "x"));
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Jwt_with_valid_signature_and_claims_is_accepted_as_its_client_id()
    {
        await using var server = await StartJwtAsync();
        var token = HsToken(Secret, Claims(scp: new[] { "tools:read", "tools:call" }), DateTime.UtcNow.AddMinutes(5));
        var (status, body, _) = await server.SendAsync(CallWith(token));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("agent-1|Jwt|x", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Jwt_with_client_id_and_space_separated_scope_is_accepted()
    {
        await using var server = await StartJwtAsync();
        var claims = Claims(cid: null);
        claims["client_id"] = "agent-2";
        claims["scope"] = "a b";
        var (status, _, _) = await server.SendAsync(CallWith(HsToken(Secret, claims)));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Expired_jwt_is_refused_with_token_has_expired()
    {
        await using var server = await StartJwtAsync();
        var token = HsToken(Secret, Claims(scp: "read"), DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(-2));
        var (status, body, response) = await server.SendAsync(CallWith(token));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(JwtBearerAuthenticator.ExpiredMessage, body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(-32006, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Jwt_signed_with_another_secret_is_refused()
    {
        await using var server = await StartJwtAsync();
        var token = HsToken("another-secret-another-secret-another-secret", Claims(scp: "read"));
        var (status, body, _) = await server.SendAsync(CallWith(token));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Jwt_without_scopes_or_client_id_is_refused()
    {
        await using var server = await StartJwtAsync();
        var (noScopes, _, _) = await server.SendAsync(CallWith(HsToken(Secret, Claims())));
        var (noClient, _, _) = await server.SendAsync(CallWith(HsToken(Secret, Claims(cid: null, scp: "read"))));
        Assert.Equal(HttpStatusCode.Unauthorized, noScopes);
        Assert.Equal(HttpStatusCode.Unauthorized, noClient);
    }

    [Fact]
    public async Task Missing_or_malformed_authorization_is_refused_with_a_bearer_challenge()
    {
        await using var server = await StartJwtAsync();
        var (missing, body, response) = await server.SendAsync(CallWith(null));
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal(BearerMcpAuthenticator.MissingHeaderMessage, body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());

        var (garbage, _, _) = await server.SendAsync(CallWith("not.a.jwt"));
        Assert.Equal(HttpStatusCode.Unauthorized, garbage);
    }

    [Fact]
    public void Jwt_mode_refuses_to_start_with_a_short_secret()
    {
        var options = new ServerOptions { AuthMode = AuthMode.Jwt, AuthSecretKey = "short" };
        Assert.Throws<ArgumentException>(() => McpAuthenticators.Create(options, null, null, NullLoggerFactory.Instance));
    }

    // ── OAuth against a JWKS served on 127.0.0.1 ─────────────────────────────────────────────────────────────────

    private sealed class JwksServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public int Hits;

        public JwksServer(WebApplication app, string baseUrl) { _app = app; BaseUrl = baseUrl; }

        public string BaseUrl { get; }
        public string Jwks { get; set; } = "{\"keys\":[]}";

        public static async Task<JwksServer> StartAsync()
        {
            JwksServer? self = null;
            var (app, address) = await LoopbackKestrel.StartAsync(async context =>
            {
                Interlocked.Increment(ref self!.Hits);
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(self.Jwks);
            });
            self = new JwksServer(app, address.GetLeftPart(UriPartial.Authority));
            return self;
        }

        public async ValueTask DisposeAsync() { await _app.StopAsync(); await _app.DisposeAsync(); }
    }

    private static string JwksFor(RsaSecurityKey key)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
        return $$"""{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{jwk.Kid}}","n":"{{jwk.N}}","e":"{{jwk.E}}"}]}""";
    }

    private static string RsToken(RsaSecurityKey key, string issuer, string audience, Dictionary<string, object> claims)
    {
        var handler = new JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    [Fact]
    public async Task OAuth_token_is_verified_against_the_issuers_jwks_then_issuer_and_audience()
    {
        await using var jwks = await JwksServer.StartAsync();
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k1" };
        jwks.Jwks = JwksFor(key);
        var issuer = jwks.BaseUrl;
        var options = new ServerOptions { Transport = TransportKind.Http, AuthMode = AuthMode.OAuth, OAuthIssuerUrl = issuer, OAuthAudience = "ibmi-mcp" };
        await using var server = await McpTestServer.StartAsync(options, auth: McpAuthenticators.Create(options, null, null, NullLoggerFactory.Instance));

        var good = RsToken(key, issuer, "ibmi-mcp", new() { ["client_id"] = "svc-a", ["scope"] = "mcp" });
        var (status, body, _) = await server.SendAsync(CallWith(good));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("svc-a|OAuth|x", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        var wrongAudience = RsToken(key, issuer, "someone-else", new() { ["client_id"] = "svc-a", ["scope"] = "mcp" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(CallWith(wrongAudience))).Status);

        var wrongIssuer = RsToken(key, "https://evil.example", "ibmi-mcp", new() { ["client_id"] = "svc-a", ["scope"] = "mcp" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(CallWith(wrongIssuer))).Status);

        var cidOnly = RsToken(key, issuer, "ibmi-mcp", new() { ["cid"] = "svc-a", ["scope"] = "mcp" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(CallWith(cidOnly))).Status);

        var otherKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k2" };
        var forged = RsToken(otherKey, issuer, "ibmi-mcp", new() { ["client_id"] = "svc-a", ["scope"] = "mcp" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(CallWith(forged))).Status);

        // Keys are cached: one fetch served all of the above (the unknown kid k2 is inside the refetch cooldown).
        Assert.Equal(1, jwks.Hits);
    }
}

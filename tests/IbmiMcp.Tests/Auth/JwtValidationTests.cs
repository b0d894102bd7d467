using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

/// <summary>
/// Token validation (Microsoft.IdentityModel plus this server's policy), with tokens minted here byte by byte
/// (independent of the code under test): the edge cases the earlier hand-written validator was tested against.
/// </summary>
public sealed class JwtValidationTests
{
    // 64 bytes: RFC 7518 §3.2 wants an HMAC key at least as long as the hash (HS512 → 64 bytes).
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret-0123456789abcdefghi";
    private const string Issuer = "https://issuer.test";
    private const string Audience = "ibmi-mcp";

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);
    private static string B64(string text) => B64(Encoding.UTF8.GetBytes(text));

    private static string Sign(string header, string payload, Func<byte[], byte[]> sign)
    {
        var input = B64(header) + "." + B64(payload);
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    private static string Hs(string payload, string alg = "HS256", string secret = Secret, string? extraHeader = null)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        return Sign($$"""{"alg":"{{alg}}","typ":"JWT"{{extraHeader}}}""", payload, data => alg switch
        {
            "HS384" => HMACSHA384.HashData(key, data),
            "HS512" => HMACSHA512.HashData(key, data),
            _ => HMACSHA256.HashData(key, data),
        });
    }

    private static FakeTime NewTime() => new();
    private static long Now(FakeTime time) => time.GetUtcNow().ToUnixTimeSeconds();
    private static string Claims(long? exp = null, long? nbf = null, string extra = "") =>
        "{\"cid\":\"agent-1\",\"sub\":\"someone\",\"scp\":[\"tools:read\",\"a b\"]"
        + (exp is { } e ? $",\"exp\":{e}" : "") + (nbf is { } n ? $",\"nbf\":{n}" : "") + extra + "}";

    private static JwtBearerAuthenticator.Result Jwt(string token, FakeTime? time = null) =>
        new JwtBearerAuthenticator(Secret, time ?? NewTime()).ValidateAsync(token).AsTask().GetAwaiter().GetResult();

    // ── MCP_AUTH_MODE=jwt ───────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("HS256")]
    [InlineData("HS384")]
    [InlineData("HS512")]
    public void Hmac_token_yields_client_id_subject_and_every_scope(string alg)
    {
        var time = NewTime();
        var result = Jwt(Hs(Claims(exp: Now(time) + 60), alg), time);
        Assert.True(result.IsValid, result.Failure);
        Assert.Equal("agent-1", result.ClientId);
        Assert.Equal("someone", result.Subject);
        Assert.Equal(["tools:read", "a", "b"], result.Scopes);
    }

    [Fact]
    public void An_hmac_key_shorter_than_the_hash_is_refused_for_that_algorithm()
    {
        const string short32 = "0123456789abcdef0123456789abcdef";   // enough for HS256 only (RFC 7518 §3.2)
        var auth = new JwtBearerAuthenticator(short32, NewTime());
        Assert.True(auth.ValidateAsync(Hs(Claims(), "HS256", short32)).AsTask().GetAwaiter().GetResult().IsValid);
        Assert.False(auth.ValidateAsync(Hs(Claims(), "HS384", short32)).AsTask().GetAwaiter().GetResult().IsValid);
        Assert.False(auth.ValidateAsync(Hs(Claims(), "HS512", short32)).AsTask().GetAwaiter().GetResult().IsValid);
    }

    [Fact]
    public void Client_id_wins_over_cid()
    {
        var result = Jwt(Hs("{\"cid\":\"c\",\"client_id\":\"ci\",\"scope\":\"x y\"}"));
        Assert.True(result.IsValid);
        Assert.Equal("ci", result.ClientId);
        Assert.Equal(["x", "y"], result.Scopes);
    }

    [Fact]
    public void Alg_none_is_refused_with_or_without_a_signature()
    {
        var unsigned = B64("{\"alg\":\"none\"}") + "." + B64(Claims()) + ".";
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, Jwt(unsigned).Failure);
        Assert.False(Jwt(unsigned + "AAAA").IsValid);
        var emptySignature = Hs(Claims());
        Assert.False(Jwt(emptySignature[..(emptySignature.LastIndexOf('.') + 1)]).IsValid);
    }

    [Fact]
    public void Tampered_payload_fails_verification()
    {
        var token = Hs(Claims());
        var parts = token.Split('.');
        var forged = parts[0] + "." + B64(Claims().Replace("agent-1", "admin")) + "." + parts[2];
        Assert.True(Jwt(token).IsValid);
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, Jwt(forged).Failure);
    }

    [Fact]
    public void Expired_token_says_so_but_only_within_the_clock_skew_grace()
    {
        var time = NewTime();
        Assert.True(Jwt(Hs(Claims(exp: Now(time) - 20)), time).IsValid);   // 30 s skew
        Assert.Equal(JwtBearerAuthenticator.ExpiredMessage, Jwt(Hs(Claims(exp: Now(time) - 120)), time).Failure);
    }

    [Fact]
    public void Expired_token_with_a_bad_signature_is_a_verification_failure_not_an_expiry()
    {
        var time = NewTime();
        var forged = Hs(Claims(exp: Now(time) - 120), secret: "another-secret-another-secret-another-secret");
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, Jwt(forged, time).Failure);
    }

    [Fact]
    public void Token_not_yet_valid_is_refused_until_its_nbf()
    {
        var time = NewTime();
        var token = Hs(Claims(exp: Now(time) + 3600, nbf: Now(time) + 600));
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, Jwt(token, time).Failure);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(Jwt(token, time).IsValid);
    }

    [Fact]
    public void Asymmetric_algorithms_are_refused_in_jwt_mode()
    {
        using var rsa = RSA.Create(2048);
        var token = Sign("{\"alg\":\"RS256\"}", Claims(), d => rsa.SignData(d, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(Jwt(token).IsValid);
    }

    [Theory]
    [InlineData("not.a.jwt")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d.e")]
    [InlineData("")]
    public void Malformed_tokens_fail_verification(string token) =>
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, Jwt(token).Failure);

    [Fact]
    public void Unusual_encodings_and_headers_are_refused_not_interpreted()
    {
        var good = Hs(Claims());
        var parts = good.Split('.');
        Assert.False(Jwt(parts[0] + "=." + parts[1] + "." + parts[2]).IsValid);          // padding
        Assert.False(Jwt(parts[0] + "." + parts[1] + " ." + parts[2]).IsValid);          // whitespace
        Assert.False(Jwt(Hs(Claims(), extraHeader: ",\"crit\":[\"exp\"]")).IsValid);     // unknown critical extension
        Assert.False(Jwt(Hs(Claims(), extraHeader: ",\"alg\":\"HS256\"")).IsValid);      // duplicated header member
        Assert.False(Jwt(Hs("{\"cid\":\"a\",\"scope\":\"x\",\"cid\":\"b\"}")).IsValid);  // duplicated claim
        Assert.False(Jwt(Hs("{\"cid\":\"a\",\"scope\":\"x\",\"exp\":\"soon\"}")).IsValid); // exp must be a number
        Assert.False(Jwt(Hs("[1,2]")).IsValid);
        Assert.True(Jwt(good).IsValid);
    }

    // ── MCP_AUTH_MODE=oauth (JWKS from a stub handler) ──────────────────────────────────────────────────────────

    private sealed class JwksHandler : HttpMessageHandler
    {
        public string Jwks = "{\"keys\":[]}";
        public int Hits;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Hits);
            Assert.Equal(Issuer + "/.well-known/jwks.json", request.RequestUri!.ToString());
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Jwks) });
        }
    }

    private static string RsaJwk(RSA rsa, string kid, string? alg = "RS256")
    {
        var p = rsa.ExportParameters(false);
        var algMember = alg is null ? "" : $",\"alg\":\"{alg}\"";
        return $$"""{"kty":"RSA","use":"sig","kid":"{{kid}}"{{algMember}},"n":"{{B64(p.Modulus!)}}","e":"{{B64(p.Exponent!)}}"}""";
    }

    private static string EcJwk(ECDsa ec, string kid, string crv)
    {
        var p = ec.ExportParameters(false);
        return $$"""{"kty":"EC","kid":"{{kid}}","crv":"{{crv}}","x":"{{B64(p.Q.X!)}}","y":"{{B64(p.Q.Y!)}}"}""";
    }

    private static string OAuthClaims(FakeTime time, string aud = $"\"{Audience}\"", bool exp = true) =>
        $$"""{"iss":"{{Issuer}}","aud":{{aud}},"client_id":"svc-a","scope":"mcp"{{(exp ? $",\"exp\":{Now(time) + 300}" : "")}}}""";

    private static string Rs(RSA rsa, string kid, string payload, string alg = "RS256")
    {
        var hash = alg[2..] switch { "384" => HashAlgorithmName.SHA384, "512" => HashAlgorithmName.SHA512, _ => HashAlgorithmName.SHA256 };
        var padding = alg[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        return Sign($$"""{"alg":"{{alg}}","kid":"{{kid}}"}""", payload, d => rsa.SignData(d, hash, padding));
    }

    private static string Es(ECDsa ec, string kid, string alg, string payload, HashAlgorithmName hash,
        DSASignatureFormat format = DSASignatureFormat.IeeeP1363FixedFieldConcatenation) =>
        Sign($$"""{"alg":"{{alg}}","kid":"{{kid}}"}""", payload, d => ec.SignData(d, hash, format));

    private static (OAuthBearerAuthenticator Auth, JwksHandler Handler) OAuth(FakeTime time, string jwks)
    {
        var handler = new JwksHandler { Jwks = jwks };
        return (new OAuthBearerAuthenticator(Issuer, Audience, null, new HttpClient(handler), time), handler);
    }

    private static JwtBearerAuthenticator.Result Check(OAuthBearerAuthenticator auth, string token) =>
        auth.ValidateAsync(token, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Es256_and_es384_tokens_verify_against_ec_keys_of_the_right_curve()
    {
        var time = NewTime();
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var (auth, _) = OAuth(time, $"{{\"keys\":[{EcJwk(p256, "e1", "P-256")},{EcJwk(p384, "e2", "P-384")}]}}");
        using var _a = auth;

        var es256 = Check(auth, Es(p256, "e1", "ES256", OAuthClaims(time), HashAlgorithmName.SHA256));
        Assert.True(es256.IsValid, es256.Failure);
        Assert.Equal("svc-a", es256.ClientId);
        Assert.True(Check(auth, Es(p384, "e2", "ES384", OAuthClaims(time), HashAlgorithmName.SHA384)).IsValid);
        // Curve/alg mismatch and DER-encoded signatures are refused.
        Assert.False(Check(auth, Es(p256, "e1", "ES384", OAuthClaims(time), HashAlgorithmName.SHA384)).IsValid);
        Assert.False(Check(auth, Es(p256, "e1", "ES256", OAuthClaims(time), HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence)).IsValid);
    }

    [Fact]
    public void Rsa_pkcs1_and_pss_tokens_verify_and_the_keys_alg_is_enforced()
    {
        var time = NewTime();
        using var rsa = RSA.Create(2048);
        var (auth, _) = OAuth(time, $"{{\"keys\":[{RsaJwk(rsa, "r1", alg: null)},{RsaJwk(rsa, "r2", "RS256")}]}}");
        using var _a = auth;
        Assert.True(Check(auth, Rs(rsa, "r1", OAuthClaims(time))).IsValid);
        Assert.True(Check(auth, Rs(rsa, "r1", OAuthClaims(time), "PS256")).IsValid);
        Assert.True(Check(auth, Rs(rsa, "r1", OAuthClaims(time), "RS512")).IsValid);
        Assert.False(Check(auth, Rs(rsa, "r2", OAuthClaims(time), "PS256")).IsValid);   // key says RS256 only
    }

    [Fact]
    public void Audience_may_be_an_array_that_must_contain_ours()
    {
        var time = NewTime();
        using var rsa = RSA.Create(2048);
        var (auth, _) = OAuth(time, $"{{\"keys\":[{RsaJwk(rsa, "k")}]}}");
        using var _a = auth;
        Assert.True(Check(auth, Rs(rsa, "k", OAuthClaims(time, $"[\"other\",\"{Audience}\"]"))).IsValid);
        Assert.False(Check(auth, Rs(rsa, "k", OAuthClaims(time, "[\"other\",\"more\"]"))).IsValid);
        Assert.False(Check(auth, Rs(rsa, "k", OAuthClaims(time, "[]"))).IsValid);
    }

    [Fact]
    public void OAuth_requires_exp_and_refuses_expired_tokens()
    {
        var time = NewTime();
        using var rsa = RSA.Create(2048);
        var (auth, _) = OAuth(time, $"{{\"keys\":[{RsaJwk(rsa, "k")}]}}");
        using var _a = auth;
        Assert.Equal(JwtBearerAuthenticator.FailedMessage, Check(auth, Rs(rsa, "k", OAuthClaims(time, exp: false))).Failure);
        var token = Rs(rsa, "k", OAuthClaims(time));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(JwtBearerAuthenticator.ExpiredMessage, Check(auth, token).Failure);
    }

    [Fact]
    public void Unknown_kid_refetches_the_jwks_at_most_once_per_cooldown()
    {
        var time = NewTime();
        using var old = RSA.Create(2048);
        using var rotated = RSA.Create(2048);
        var (auth, handler) = OAuth(time, $"{{\"keys\":[{RsaJwk(old, "old")}]}}");
        using var _a = auth;
        Assert.True(Check(auth, Rs(old, "old", OAuthClaims(time))).IsValid);
        Assert.Equal(1, handler.Hits);

        handler.Jwks = $"{{\"keys\":[{RsaJwk(rotated, "new")}]}}";
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(Check(auth, Rs(rotated, "new", OAuthClaims(time))).IsValid);   // inside the 5 min cooldown
        Assert.Equal(1, handler.Hits);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(Check(auth, Rs(rotated, "new", OAuthClaims(time))).IsValid);
        Assert.Equal(2, handler.Hits);
        Assert.False(Check(auth, Rs(rotated, "missing", OAuthClaims(time))).IsValid);   // wrong kid, cooldown again
        Assert.Equal(2, handler.Hits);
    }

    [Fact]
    public void Hmac_is_refused_in_oauth_mode_even_keyed_with_the_public_key_or_an_oct_jwk()
    {
        var time = NewTime();
        using var rsa = RSA.Create(2048);
        var oct = B64(Encoding.UTF8.GetBytes(Secret));
        var (auth, _) = OAuth(time, $"{{\"keys\":[{RsaJwk(rsa, "k", alg: null)},{{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"{oct}\"}}]}}");
        using var _a = auth;
        var publicKey = Encoding.UTF8.GetBytes(RsaJwk(rsa, "k", alg: null));
        var confused = Sign("{\"alg\":\"HS256\",\"kid\":\"k\"}", OAuthClaims(time), d => HMACSHA256.HashData(publicKey, d));
        Assert.False(Check(auth, confused).IsValid);
        var viaOct = Sign("{\"alg\":\"HS256\",\"kid\":\"s\"}", OAuthClaims(time), d => HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), d));
        Assert.False(Check(auth, viaOct).IsValid);
    }

    [Fact]
    public void Weak_rsa_keys_and_private_keys_in_the_jwks_are_ignored()
    {
        var time = NewTime();
        using var weak = RSA.Create(1024);
        var (auth, _) = OAuth(time, $"{{\"keys\":[{RsaJwk(weak, "w")}]}}");
        using var _a = auth;
        Assert.Equal("Token verification failed: the issuer's signing keys are unavailable.",
            Check(auth, Rs(weak, "w", OAuthClaims(time))).Failure);

        var set = OAuthBearerAuthenticator.AcceptedKeys(
            $"{{\"keys\":[{RsaJwk(RSA.Create(2048), "p")[..^1]},\"d\":\"AQAB\"}}, {{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}}]}}");
        Assert.NotNull(set);
        Assert.Empty(set);
        Assert.Null(OAuthBearerAuthenticator.AcceptedKeys("not json"));
    }
}

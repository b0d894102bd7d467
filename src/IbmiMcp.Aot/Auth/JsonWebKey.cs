using System.Security.Cryptography;

namespace IbmiMcp.Auth;

/// <summary>
/// One verification key: an RSA or EC public key from a JWKS (RFC 7517/7518), or the HMAC secret of
/// MCP_AUTH_MODE=jwt. The key type is fixed at construction so <see cref="JwsVerifier"/> can refuse a token whose
/// <c>alg</c> does not belong to it (the classic RS256→HS256 confusion).
/// </summary>
/// <remarks>
/// The RSA/ECDsa instances are shared by concurrent requests: verification only reads the imported public key,
/// and the OpenSSL-backed implementations create a fresh context per operation.
/// </remarks>
internal sealed class JsonWebKey
{
    private readonly byte[]? _secret;

    private JsonWebKey(string? keyId, string? algorithm, RSA? rsa, ECDsa? ecdsa, string? curve, byte[]? secret)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        Rsa = rsa;
        Ecdsa = ecdsa;
        Curve = curve;
        _secret = secret;
    }

    public string? KeyId { get; }
    /// <summary>The JWK <c>alg</c> member: when present, the only algorithm this key may verify.</summary>
    public string? Algorithm { get; }
    public RSA? Rsa { get; }
    public ECDsa? Ecdsa { get; }
    /// <summary>JWK <c>crv</c> of an EC key (P-256, P-384 or P-521).</summary>
    public string? Curve { get; }
    public ReadOnlySpan<byte> Secret => _secret;
    public bool IsSymmetric => _secret is not null;

    public static JsonWebKey ForSecret(byte[] secret) => new(null, null, null, null, null, secret);

    /// <summary>RSA public key from base64url <c>n</c>/<c>e</c>; null when unusable (too small, bad encoding).</summary>
    public static JsonWebKey? FromRsa(string? keyId, string? algorithm, byte[] modulus, byte[] exponent)
    {
        // Leading zero octets are not allowed by RFC 7518 but some issuers emit them; they change nothing.
        int skip = 0;
        while (skip < modulus.Length - 1 && modulus[skip] == 0)
            skip++;
        modulus = modulus[skip..];
        if (modulus.Length * 8 < MinimumRsaBits || exponent.Length is 0 or > 8)
            return null;
        RSA rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            return null;
        }
        return new JsonWebKey(keyId, algorithm, rsa, null, null, null);
    }

    /// <summary>EC public key from <c>crv</c>/<c>x</c>/<c>y</c>; null for other curves or points not on the curve.</summary>
    public static JsonWebKey? FromEc(string? keyId, string? algorithm, string curveName, byte[] x, byte[] y)
    {
        (ECCurve curve, int size) = curveName switch
        {
            "P-256" => (ECCurve.NamedCurves.nistP256, 32),
            "P-384" => (ECCurve.NamedCurves.nistP384, 48),
            "P-521" => (ECCurve.NamedCurves.nistP521, 66),
            _ => (default(ECCurve), 0),
        };
        if (size == 0 || x.Length != size || y.Length != size)
            return null;
        try
        {
            var ecdsa = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
            return new JsonWebKey(keyId, algorithm, null, ecdsa, curveName, null);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>NIST SP 800-131A: below 2048 bits RSA signatures are not trustworthy.</summary>
    internal const int MinimumRsaBits = 2048;
}

using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace IbmiMcp.Auth;

/// <summary>
/// JWS signature check (RFC 7518 §3) for HS256/384/512, RS256/384/512, PS256/384/512 and ES256/384/512. The
/// algorithm must match the key's type (and the key's own <c>alg</c> and curve when given); <c>none</c> and
/// anything else is refused.
/// </summary>
internal static class JwsVerifier
{
    public static readonly string[] HmacAlgorithms = ["HS256", "HS384", "HS512"];

    public static readonly string[] AsymmetricAlgorithms =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>Whether <paramref name="key"/> may verify tokens signed with <paramref name="algorithm"/>.</summary>
    public static bool IsCompatible(string algorithm, JsonWebKey key)
    {
        if (key.Algorithm is not null && key.Algorithm != algorithm)
            return false;
        return algorithm switch
        {
            "HS256" or "HS384" or "HS512" => key.IsSymmetric,
            "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" => key.Rsa is not null,
            "ES256" => key.Curve == "P-256",
            "ES384" => key.Curve == "P-384",
            "ES512" => key.Curve == "P-521",
            _ => false,
        };
    }

    public static bool Verify(JsonWebToken token, JsonWebKey key)
    {
        string alg = token.Algorithm;
        if (!IsCompatible(alg, key))
            return false;
        // The token text was checked to be base64url and dots, so ASCII encoding is exact.
        byte[] input = ArrayPool<byte>.Shared.Rent(token.SigningInputLength);
        try
        {
            int length = Encoding.ASCII.GetBytes(token.Raw.AsSpan(0, token.SigningInputLength), input);
            return Verify(alg, key, input.AsSpan(0, length), token.Signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private static bool Verify(string alg, JsonWebKey key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var hash = alg[2..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        try
        {
            switch (alg[0])
            {
                case 'H':
                    return VerifyHmac(hash, key.Secret, data, signature);
                case 'R':
                    return key.Rsa!.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
                case 'P':
                    return key.Rsa!.VerifyData(data, signature, hash, RSASignaturePadding.Pss);
                default:
                    // JWS carries R||S (IEEE P1363), each exactly the curve's size, not DER.
                    int expected = key.Curve switch { "P-256" => 64, "P-384" => 96, _ => 132 };
                    return signature.Length == expected
                        && key.Ecdsa!.VerifyData(data, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifyHmac(HashAlgorithmName hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Span<byte> mac = stackalloc byte[64];
        int written = hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(secret, data, mac)
            : hash == HashAlgorithmName.SHA384 ? HMACSHA384.HashData(secret, data, mac)
            : HMACSHA512.HashData(secret, data, mac);
        // Length first (public), then a constant-time compare so timing reveals nothing about the right MAC.
        return signature.Length == written && CryptographicOperations.FixedTimeEquals(mac[..written], signature);
    }
}

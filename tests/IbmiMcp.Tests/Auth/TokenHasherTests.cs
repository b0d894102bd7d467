using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class TokenHasherTests
{
    // FIPS-197 Appendix C.1 (AES-128) and Appendix B (the worked example), with Appendix A.1's last round key.
    [Theory]
    [InlineData("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a")]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32")]
    public void Aes_ni_rounds_match_the_FIPS_197_vectors(string key, string plain, string cipher)
    {
        if (!TokenHasher.IsHardwareAccelerated) return; // the SHA-256 path has no AES to check
        var hasher = new TokenHasher(Convert.FromHexString(key));
        var output = hasher.Encrypt(Vector128.Create(Convert.FromHexString(plain)));
        Assert.Equal(cipher, Hex(output));
    }

    [Fact]
    public void Key_expansion_matches_the_FIPS_197_schedule()
    {
        if (!TokenHasher.IsHardwareAccelerated) return;
        var hasher = new TokenHasher(Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c"));
        Assert.Equal("2b7e151628aed2a6abf7158809cf4f3c", Hex(hasher.RoundKey(0)));
        Assert.Equal("a0fafe1788542cb123a339392a6c7605", Hex(hasher.RoundKey(1)));
        Assert.Equal("d014f9a8c9ee2589e13f0cc8b6630ca6", Hex(hasher.RoundKey(10)));
    }

    [Fact]
    public void Hash_is_aes_mmo_of_each_half_per_a_managed_reference()
    {
        if (!TokenHasher.IsHardwareAccelerated) return;
        for (int round = 0; round < 50; round++)
        {
            var key = RandomNumberGenerator.GetBytes(16);
            var token = RandomNumberGenerator.GetBytes(32);
            using var aes = Aes.Create();
            aes.Key = key;
            var expected = aes.EncryptEcb(token, PaddingMode.None); // two independent blocks under the same key
            for (int i = 0; i < 32; i++) expected[i] ^= token[i];
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Bytes(new TokenHasher(key).Hash(token))));
        }
    }

    [Fact]
    public void Without_aes_ni_the_key_is_sha_256_of_the_token()
    {
        var token = RandomNumberGenerator.GetBytes(32);
        var hasher = new TokenHasher(new byte[16], forceSha256: true);
        Assert.False(hasher.UsesAes);
        Assert.Equal(SHA256.HashData(token), Bytes(hasher.Hash(token)));
    }

    [Fact]
    public void Different_process_keys_give_unrelated_images_of_one_token()
    {
        var token = RandomNumberGenerator.GetBytes(32);
        var a = TokenHasher.CreateRandom();
        var b = TokenHasher.CreateRandom();
        Assert.Equal(TokenHasher.IsHardwareAccelerated, a.UsesAes);
        Assert.Equal(a.Hash(token), a.Hash(token));
        if (a.UsesAes) Assert.NotEqual(a.Hash(token), b.Hash(token));
        // The stored form never contains either half of the token in clear.
        var image = Bytes(a.Hash(token));
        Assert.NotEqual(token[..16], image[..16]);
        Assert.NotEqual(token[16..], image[16..]);
    }

    [Fact]
    public void Keys_that_differ_in_any_one_byte_are_unequal()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var key = new TokenKey(bytes);
        Assert.Equal(key, new TokenKey(bytes));
        for (int i = 0; i < 32; i++)
        {
            var other = (byte[])bytes.Clone();
            other[i] ^= 1;
            Assert.NotEqual(key, new TokenKey(other));
        }
    }

    [Fact]
    public void Input_other_than_32_bytes_is_refused()
    {
        var hasher = TokenHasher.CreateRandom();
        Assert.Throws<ArgumentOutOfRangeException>(() => hasher.Hash(new byte[31]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenHasher(new byte[32]));
    }

    private static byte[] Bytes(TokenKey key)
    {
        var b = new byte[32];
        key.CopyTo(b);
        return b;
    }

    private static string Hex(Vector128<byte> v)
    {
        var b = new byte[16];
        v.CopyTo(b);
        return Convert.ToHexString(b).ToLowerInvariant();
    }
}
